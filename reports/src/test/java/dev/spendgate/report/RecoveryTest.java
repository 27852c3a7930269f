package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two simulated months with a planted waste: ticket-triage sends simple classification calls to gpt-4o. In one pair
 * the feature is switched to gpt-4o-mini from 10 November; in the other nothing is fixed (and traffic falls, so the
 * category total falls too). Recovery must follow the finding, not the category totals.
 */
class RecoveryTest {
    static final YearMonth OCT = YearMonth.of(2026, 10);
    static final YearMonth NOV = YearMonth.of(2026, 11);
    static final LocalDate FIX = LocalDate.of(2026, 11, 10);
    static final String FINDING = "model_mismatch/premium_model_for_simple_work/feature:ticket-triage/gpt-4o";
    static final ModelPrice GPT_4O = TestMonth.CATALOG.find("openai", "gpt-4o").orElseThrow();
    static final ObjectMapper JSON = new ObjectMapper();

    /** The planted saving per month after the fix: what the switched calls would have cost more on gpt-4o. */
    BigDecimal plantedMonthlySaving = BigDecimal.ZERO;

    MapObjectStore months(boolean fixed, int novemberTriagePerDay) {
        MapObjectStore store = new MapObjectStore();
        TestMonth m = new TestMonth();
        Random random = new Random(42);
        int id = 0;
        BigDecimal saved = BigDecimal.ZERO;
        int daysAfter = 0;
        for (YearMonth month : List.of(OCT, NOV)) {
            for (int day = 1; day <= month.lengthOfMonth(); day++) {
                LocalDate date = month.atDay(day);
                boolean switched = fixed && !date.isBefore(FIX);
                if (switched && date.isAfter(FIX)) {
                    daysAfter++;
                }
                int triage = month.equals(NOV) ? novemberTriagePerDay : 60;
                for (int i = 0; i < triage; i++) {
                    TokenUsage tokens = TokenUsage.openAi(800 + random.nextInt(700), 0, 5 + random.nextInt(11), 0);
                    Instant ts = date.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(random.nextInt(86_400));
                    String model = switched ? "gpt-4o-mini" : "gpt-4o";
                    m.records.add(TestMonth.record(
                            "t-" + (id++), ts, "openai", model, tokens, "support", null, "ticket-triage", null));
                    if (switched && date.isAfter(FIX)) {
                        saved = saved.add(GPT_4O.cost(tokens)
                                .subtract(TestMonth.CATALOG
                                        .find("openai", "gpt-4o-mini")
                                        .orElseThrow()
                                        .cost(tokens)));
                    }
                }
                for (int i = 0; i < 40; i++) {
                    TokenUsage tokens = TokenUsage.openAi(3000 + random.nextInt(3000), 0, 300 + random.nextInt(500), 0);
                    Instant ts = date.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(random.nextInt(86_400));
                    m.records.add(TestMonth.record(
                            "c-" + (id++), ts, "openai", "gpt-4o-mini", tokens, "eng", null, "chatbot", null));
                }
            }
        }
        if (daysAfter > 0) {
            plantedMonthlySaving = saved.multiply(BigDecimal.valueOf(30))
                    .divide(BigDecimal.valueOf(daysAfter), 6, RoundingMode.HALF_UP);
        }
        m.writeTo(store);
        return store;
    }

    static MonthlyReport.Result report(MapObjectStore store, YearMonth month) {
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(
                                month.plusMonths(1).atDay(1).atTime(6, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC))
                .run(month, MonthlyUsageSource.fromLog(store), store, new MapObjectStore(), "", null, false);
    }

    @Test
    void run_modelSwitchedMidMonth_recoversThatFindingsSavingOnly() throws IOException {
        MapObjectStore store = months(true, 60);
        report(store, OCT);

        WasteSummary waste = report(store, NOV).figures().waste();

        assertThat(waste.recoveryKnown()).isTrue();
        assertThat(waste.recovery()).singleElement().satisfies(line -> {
            assertThat(line.findingId()).isEqualTo(FINDING);
            assertThat(line.status()).isEqualTo(FindingLifecycle.Status.RESOLVED);
            assertThat(line.resolvedAt())
                    .isBetween(Instant.parse("2026-11-09T00:00:00Z"), Instant.parse("2026-11-10T00:00:00Z"));
            assertThat(line.recoveredMonthlyUsd())
                    .isCloseTo(plantedMonthlySaving, org.assertj.core.data.Percentage.withPercentage(10));
        });
        assertThat(plantedMonthlySaving).isGreaterThan(new BigDecimal("4"));
        assertThat(waste.totalRecoveredUsd())
                .isEqualByComparingTo(waste.recovery().get(0).recoveredMonthlyUsd());
        assertThat(waste.categories())
                .filteredOn(c -> !c.name().equals("model mismatch"))
                .allSatisfy(c -> assertThat(c.recoveredUsd()).isZero());
        JsonNode lifecycle = JSON.readTree(store.get(FindingLifecycle.KEY).orElseThrow());
        assertThat(lifecycle.path("findings")).anySatisfy(f -> {
            assertThat(f.path("id").asText()).isEqualTo(FINDING);
            assertThat(f.path("status").asText()).isEqualTo("resolved");
        });
    }

    @Test
    void rerunOfAnEarlierMonth_doesNotMoveTheStoredLifeCycleBack() throws IOException {
        MapObjectStore store = months(true, 60);
        report(store, OCT);
        report(store, NOV); // the finding is resolved in November

        MonthlyReport.Result october = report(store, OCT); // finance re-runs October in December

        JsonNode lifecycle = JSON.readTree(store.get(FindingLifecycle.KEY).orElseThrow());
        assertThat(lifecycle.path("findings")).anySatisfy(f -> {
            assertThat(f.path("id").asText()).isEqualTo(FINDING);
            assertThat(f.path("status").asText()).as("as November left it").isEqualTo("resolved");
        });
        assertThat(october.warnings()).anyMatch(w -> w.startsWith("finding life cycle not saved"));
        assertThat(report(store, NOV).figures().waste().recovery())
                .singleElement()
                .satisfies(line -> assertThat(line.status()).isEqualTo(FindingLifecycle.Status.RESOLVED));
    }

    @Test
    void run_lifeCycleDocumentUnreadable_leavesItAsItIsAndSaysWhatToDo() {
        MapObjectStore store = months(true, 60);
        byte[] damaged = "{\"schema_version\" : 1, \"findings\" : [ {\"id\" : \"cache_miss/"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        store.put(FindingLifecycle.KEY, damaged);

        MonthlyReport.Result october = report(store, OCT);

        assertThat(store.get(FindingLifecycle.KEY).orElseThrow())
                .as("not saved over")
                .isEqualTo(damaged);
        assertThat(october.warnings())
                .anyMatch(w ->
                        w.startsWith("finding life cycle not saved: " + FindingLifecycle.KEY + " could not be read")
                                && w.contains("move it aside"));
    }

    @Test
    void run_lifeCycleEntryOfAnotherVersionsCategory_isNamedAndWrittenBackUnchanged() throws IOException {
        MapObjectStore store = months(true, 60);
        store.put(
                FindingLifecycle.KEY,
                ("{\"schema_version\":1,\"findings\":[{\"id\":\"idle_reservation/unused/feature:search\","
                                + "\"status\":\"open\",\"category\":\"idle_reservation\",\"future_field\":7}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));

        MonthlyReport.Result october = report(store, OCT);

        assertThat(october.warnings())
                .anyMatch(w -> w.contains("idle_reservation/unused/feature:search") && w.contains("kept as it is"));
        JsonNode lifecycle = JSON.readTree(store.get(FindingLifecycle.KEY).orElseThrow());
        assertThat(lifecycle.path("findings")).anySatisfy(f -> {
            assertThat(f.path("id").asText()).isEqualTo("idle_reservation/unused/feature:search");
            assertThat(f.path("future_field").asInt()).isEqualTo(7);
        });
        assertThat(lifecycle.path("findings"))
                .anySatisfy(f -> assertThat(f.path("id").asText()).isEqualTo(FINDING));
    }

    @Test
    void run_nothingFixedAndLessTraffic_recoversNothingThoughTheCategoryTotalFell() {
        MapObjectStore store = months(false, 45);
        WasteSummary october = report(store, OCT).figures().waste();

        WasteSummary november = report(store, NOV).figures().waste();

        BigDecimal before = recoverable(october);
        BigDecimal after = recoverable(november);
        assertThat(after)
                .as("the category total fell: the old difference would have called it recovered")
                .isLessThan(before);
        assertThat(november.recoveryKnown()).isTrue();
        assertThat(november.recovery()).isEmpty();
        assertThat(november.totalRecoveredUsd()).isZero();
    }

    static BigDecimal recoverable(WasteSummary w) {
        return w.categories().stream()
                .filter(c -> c.name().equals("model mismatch"))
                .map(WasteSummary.Category::recoverableUsd)
                .findFirst()
                .orElseThrow();
    }
}
