package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.actions.BreakerAdvice;
import dev.spendgate.report.actions.TopActions;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.pdfbox.text.PDFTextStripper;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The board report's page 1 actions and breaker advice on a planted month: ticket-triage (support, cost centre
 * CC-100) sends simple classification calls to gpt-4o; one eng session loops 90 calls in one minute; 200 ordinary
 * sessions make two calls within a minute each.
 */
class BoardActionsTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);
    static final String RULES = """
            {"suspense": {"gl_account": "6999", "cost_centre": "CC-SUSP"},
             "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-100"},
                       {"department": "eng", "gl_account": "6200", "cost_centre": "CC-200"}]}
            """;
    static final Instant LOOP_MINUTE = Instant.parse("2026-11-05T03:07:00Z");

    static TestMonth month;
    static MapObjectStore out;
    static MonthlyReport.Result result;
    static BigDecimal plantedMonthly;
    static String page1;
    static String text;

    @BeforeAll
    static void run() throws IOException {
        month = new TestMonth();
        Random random = new Random(7);
        ModelPrice gpt4o = TestMonth.CATALOG.find("openai", "gpt-4o").orElseThrow();
        ModelPrice mini = TestMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        BigDecimal planted = BigDecimal.ZERO;
        int id = 0;
        for (int day = 1; day <= 30; day++) {
            LocalDate date = NOV.atDay(day);
            for (int i = 0; i < 60; i++) {
                TokenUsage tokens = TokenUsage.openAi(800 + random.nextInt(700), 0, 5 + random.nextInt(11), 0);
                Instant ts = date.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(random.nextInt(86_400));
                month.records.add(TestMonth.record(
                        "t-" + (id++), ts, "openai", "gpt-4o", tokens, "support", null, "ticket-triage", null));
                planted = planted.add(gpt4o.cost(tokens).subtract(mini.cost(tokens)));
            }
        }
        plantedMonthly = planted;
        for (int s = 0; s < 200; s++) {
            Instant ts = NOV.atDay(1 + s % 28)
                    .atStartOfDay(ZoneOffset.UTC)
                    .toInstant()
                    .plusSeconds(61L * s + 5);
            for (int c = 0; c < 2; c++) {
                month.records.add(TestMonth.record(
                        "s-" + (id++),
                        ts.plusSeconds(20L * c),
                        "openai",
                        "gpt-4o-mini",
                        TokenUsage.openAi(3000, 0, 400, 0),
                        "eng",
                        null,
                        "chatbot",
                        "session-" + s));
            }
        }
        for (int c = 0; c < 90; c++) {
            month.records.add(withRequestHash(
                    TestMonth.record(
                            "loop-" + (id++),
                            LOOP_MINUTE.plusMillis(600L * c),
                            "openai",
                            "gpt-4o-mini",
                            TokenUsage.openAi(3000, 0, 400, 0),
                            "eng",
                            null,
                            "agent",
                            "loop-7"),
                    "h" + c));
        }
        MapObjectStore data = new MapObjectStore();
        month.writeTo(data);
        out = new MapObjectStore();
        result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.parse(RULES.getBytes(StandardCharsets.UTF_8)),
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(NOV, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            PDFTextStripper first = new PDFTextStripper();
            first.setEndPage(1);
            page1 = first.getText(doc);
            text = new PDFTextStripper().getText(doc);
        }
    }

    /** The record with a request fingerprint, as the gateway writes it (the retry detector needs one). */
    static UsageRecord withRequestHash(UsageRecord r, String hash) {
        return UsageRecord.builder()
                .requestId(r.requestId())
                .tsStart(r.tsStart())
                .tsEnd(r.tsEnd())
                .keyId(r.keyId())
                .attribution(r.attribution())
                .provider(r.provider())
                .endpoint(r.endpoint())
                .modelRequested(r.modelRequested())
                .modelServed(r.modelServed())
                .statusCode(r.statusCode())
                .tokens(r.tokens())
                .costUsd(r.costUsd())
                .pricingStatus(r.pricingStatus())
                .pricingVersion(r.pricingVersion())
                .usageSource(r.usageSource())
                .fingerprints(new UsageRecord.Fingerprints(null, null, hash, null))
                .build();
    }

    @Test
    void pdf_pageOne_topActionsWithWhatEachIsWorthAndItsOwner() {
        List<TopActions.Action> actions = result.actions();

        assertThat(actions).hasSizeBetween(2, TopActions.COUNT);
        assertThat(actions).extracting(TopActions.Action::monthlyUsd).isSortedAccordingTo((a, b) -> b.compareTo(a));
        TopActions.Action triage = actions.get(0);
        assertThat(triage.findingId()).contains("feature:ticket-triage");
        assertThat(triage.owner()).isEqualTo("support (cost centre CC-100)");
        // the planted waste: every triage call on gpt-4o instead of gpt-4o-mini, over the 30-day month
        assertThat(triage.monthlyUsd()).isCloseTo(plantedMonthly, Percentage.withPercentage(10));
        assertThat(page1).contains("Top " + actions.size() + " actions: ");
        for (TopActions.Action a : actions) {
            assertThat(page1).contains("Worth " + Money.usd(a.monthlyUsd()) + " per month | Owner: " + a.owner());
        }
        assertThat(actions)
                .filteredOn(a -> a.findingId().contains("loop-7"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.owner()).isEqualTo("eng (cost centre CC-200)");
                    // one value per breaker in the whole report: the action advises the derived value, not another
                    assertThat(a.change())
                            .contains("set the breaker SPENDGATE_SESSION_CALLS_PER_MINUTE to 3 (")
                            .doesNotContain(" to 30");
                });
    }

    @Test
    void pdf_breakers_oneValuePerScopeFromTheObservedRates() {
        // sessions: 200 peaked at 2 calls a minute, one at 90: the 99th percentile is 2, so 1.5 x 2 = 3
        assertThat(result.breakers())
                .filteredOn(b -> b.scope().equals("session"))
                .singleElement()
                .satisfies(b -> {
                    assertThat(b.setting()).isEqualTo(BreakerAdvice.SESSION_SETTING);
                    assertThat(b.value()).isEqualTo(3);
                    assertThat(b.scopes()).isEqualTo(201);
                    assertThat(b.p99PeakPerMinute()).isEqualTo(2);
                    assertThat(b.maxPeakPerMinute()).isEqualTo(90);
                    assertThat(b.scopesAbove()).isEqualTo(1);
                });
        Map<Long, Integer> perMinute = new HashMap<>();
        for (UsageRecord r : month.records) {
            if (r.keyId() != null) {
                perMinute.merge(r.tsStart().getEpochSecond() / 60, 1, Integer::sum);
            }
        }
        int keyPeak =
                perMinute.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertThat(keyPeak).isGreaterThanOrEqualTo(90);
        assertThat(result.breakers())
                .filteredOn(b -> b.scope().equals("key"))
                .singleElement()
                .satisfies(b -> {
                    assertThat(b.setting()).isEqualTo(BreakerAdvice.KEY_SETTING);
                    assertThat(b.scopes()).isEqualTo(1);
                    assertThat(b.value()).isEqualTo((keyPeak * 3 + 1) / 2);
                });
        assertThat(text)
                .contains("Velocity breakers: one value per scope")
                .contains("SPENDGATE_SESSION_CALLS_PER_MINUTE session 3 201 2 90 1")
                .containsOnlyOnce("SPENDGATE_SESSION_CALLS_PER_MINUTE session");
    }

    @Test
    void pdf_dailyChart_isVectorGraphicsWithReadableAxes() throws IOException {
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            for (PDPage page : doc.getPages()) {
                for (COSName name : page.getResources().getXObjectNames()) {
                    assertThat(page.getResources().getXObject(name)).isNotInstanceOf(PDImageXObject.class);
                }
            }
        }
        assertThat(text)
                .contains("Daily spend (USD per UTC day)")
                .contains("11/1")
                .contains("11/30");
        assertThat(text).doesNotContain("0E0");
    }
}
