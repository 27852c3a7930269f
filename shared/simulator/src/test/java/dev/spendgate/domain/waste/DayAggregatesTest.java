package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.usage.UsageLayout;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The waste run from day aggregates against one pass over the raw records, on simulated months with planted waste:
 * the findings JSON must be the same, byte for byte.
 */
class DayAggregatesTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC);

    private record Month(
            YearMonth month, MemoryStores.Objects store, MemoryStores.Keys keys, MemoryStores.Policies policies) {
        WasteWindow window() {
            return new WasteWindow(
                    month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                    month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        }

        WasteAnalyzer analyzer() {
            return WasteAnalyzer.create(CATALOG, new Governance(keys.list(), policies.list()), CLOCK);
        }

        String raw() {
            return json(analyzer().analyze(store, window()));
        }

        DayAggregates aggregates() {
            return DayAggregates.create(store, analyzer(), CATALOG.version(), 1);
        }
    }

    private static Month simulate(YearMonth month, long seed, long calls) {
        Month m = new Month(month, new MemoryStores.Objects(), new MemoryStores.Keys(), new MemoryStores.Policies());
        TrafficSimulator simulator =
                TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(month, seed, calls, true));
        Simulation.write(simulator, month, m.store, m.keys, m.policies, CLOCK, (day, n) -> {});
        return m;
    }

    private static String json(WasteReport report) {
        return new String(WasteReportJson.toBytes(report), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({"2026-10, 1, 20000", "2026-11, 2, 20000", "2026-10, 3, 200000"})
    void analyze_simulatedMonth_aggregatesGiveTheRawPassFindingsJson(String month, long seed, long calls) {
        Month m = simulate(YearMonth.parse(month), seed, calls);
        String raw = m.raw();

        DayAggregates.Outcome first = m.aggregates().analyze(m.window());
        DayAggregates.Outcome second = m.aggregates().analyze(m.window());

        assertThat(first.built()).hasSize(m.month.lengthOfMonth());
        assertThat(second.built()).isEmpty();
        assertThat(second.reused()).isEqualTo(m.month.lengthOfMonth());
        assertThat(json(first.report())).isEqualTo(raw);
        assertThat(json(second.report())).isEqualTo(raw);
        assertThat(second.report().findings()).hasSizeGreaterThanOrEqualTo(7);
    }

    @ParameterizedTest
    @CsvSource({"2026-10, 1, 20000, 2", "2026-11, 2, 20000, 4", "2026-10, 3, 200000, 3"})
    void analyze_indexOnWorkerThreads_givesTheSingleThreadFindingsJson(
            String month, long seed, long calls, int threads) {
        Month m = simulate(YearMonth.parse(month), seed, calls);
        String single = m.raw();
        WasteAnalyzer parallel = m.analyzer().withIndexThreads(threads);

        String raw = json(parallel.analyze(m.store, m.window()));
        DayAggregates.Outcome days =
                DayAggregates.create(m.store, parallel, CATALOG.version(), 1).analyze(m.window());

        assertThat(raw).isEqualTo(single);
        assertThat(json(days.report())).isEqualTo(single);
        assertThat(days.report().findings())
                .anyMatch(f -> f.category() == WasteCategory.CACHE_MISS
                        && f.windowSavingsUsd().signum() > 0);
    }

    /**
     * The waste Lambda's read (8 objects fetched ahead) with a budget of fetched bytes smaller than the largest usage
     * objects: those are streamed at their turn instead of held, the rest fetched ahead, and the findings are those
     * of reading one object at a time, from the raw pass and from day aggregates.
     */
    @Test
    void analyze_fetchAheadWithObjectsLargerThanTheBudget_streamsThemWithTheOneAtATimeFindingsJson() {
        Month m = simulate(YearMonth.of(2026, 10), 1, 20_000);
        String single = m.raw();
        long largest = m.store.objects.entrySet().stream()
                .filter(e -> e.getKey().startsWith("usage/"))
                .mapToLong(e -> e.getValue().length)
                .max()
                .orElseThrow();
        long budget = largest / 2;
        List<String> large = m.store.objects.entrySet().stream()
                .filter(e -> e.getKey().startsWith("usage/") && e.getValue().length > budget)
                .map(java.util.Map.Entry::getKey)
                .toList();
        m.store.got.clear();
        m.store.opened.clear();
        WasteAnalyzer bounded = m.analyzer().withBytesAhead(budget);

        String raw = json(bounded.analyze(m.store, m.window(), 8));
        DayAggregates.Outcome days =
                DayAggregates.create(m.store, bounded, CATALOG.version(), 8).analyze(m.window());

        assertThat(raw).isEqualTo(single);
        assertThat(json(days.report())).isEqualTo(single);
        assertThat(large).isNotEmpty();
        assertThat(m.store.opened).containsAll(large);
        assertThat(m.store.got).doesNotContainAnyElementsOf(large).anyMatch(k -> k.startsWith("usage/"));
    }

    @Test
    void analyze_windowMovedOnByADay_buildsOnlyTheNewDay() {
        Month m = simulate(YearMonth.of(2026, 10), 7, 20_000);
        Instant end = Instant.parse("2026-10-30T00:00:00Z");
        m.aggregates().analyze(WasteWindow.trailing30Days(end));

        DayAggregates.Outcome next = m.aggregates().analyze(WasteWindow.trailing30Days(end.plusSeconds(86_400)));

        assertThat(next.built()).containsExactly(LocalDate.of(2026, 10, 30));
        assertThat(next.reused()).isEqualTo(29);
    }

    @Test
    void analyze_damagedDayAggregate_rebuildsItFromTheLogAndSaysSo() {
        Month m = simulate(YearMonth.of(2026, 10), 4, 20_000);
        String raw = m.raw();
        m.aggregates().analyze(m.window());
        String key = DayAggregates.key(LocalDate.of(2026, 10, 7));
        byte[] good = m.store.get(key).orElseThrow();
        m.store.put(key, java.util.Arrays.copyOf(good, good.length / 2));

        DayAggregates.Outcome outcome = m.aggregates().analyze(m.window());

        assertThat(outcome.built()).containsExactly(LocalDate.of(2026, 10, 7));
        assertThat(outcome.report().input().warnings())
                .anySatisfy(w -> assertThat(w).startsWith(key + ": damaged").endsWith("rebuilt from the usage log"));
        WasteReport report = outcome.report();
        assertThat(report.callsAnalysed())
                .isEqualTo(m.analyzer().analyze(m.store, m.window()).callsAnalysed());
        assertThat(json(withoutWarnings(report))).isEqualTo(raw);
        assertThat(m.store.get(key).orElseThrow()).isEqualTo(good);
    }

    @Test
    void analyze_usageObjectArrivedAfterTheAggregate_rebuildsTheDay() {
        Month m = simulate(YearMonth.of(2026, 10), 5, 20_000);
        m.aggregates().analyze(m.window());
        LocalDate day = LocalDate.of(2026, 10, 12);
        String hour = UsageLayout.hourPrefix(
                day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(5 * 3600));
        String late = m.store.list(hour).get(0);
        m.store.put(hour + "part-late-replay.ndjson.gz", m.store.get(late).orElseThrow());
        m.store.put(late, new byte[0]);

        DayAggregates.Outcome outcome = m.aggregates().analyze(m.window());

        assertThat(outcome.built()).containsExactly(day);
        assertThat(json(outcome.report())).isEqualTo(m.raw());
    }

    @Test
    void analyze_budgetAddedAfterTheDaysWereAggregated_judgesEveryDayByTodaysBudgets() {
        Month m = simulate(YearMonth.of(2026, 10), 1, 20_000);
        m.aggregates().analyze(m.window());
        WasteReport before = m.aggregates().analyze(m.window()).report();
        List<Finding> noBudget = before.findings().stream()
                .filter(f -> f.kind().equals("no_budget"))
                .toList();
        assertThat(noBudget).isNotEmpty();
        m.policies.put(new BudgetPolicy(
                BudgetScope.parse("key:" + noBudget.get(0).scopeValue()),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                BudgetPolicy.Mode.ALERT,
                null,
                null,
                ZoneOffset.UTC));

        DayAggregates.Outcome after = m.aggregates().analyze(m.window());

        assertThat(after.built()).isEmpty();
        assertThat(after.report().findings())
                .noneMatch(f -> f.kind().equals("no_budget")
                        && f.scopeValue().equals(noBudget.get(0).scopeValue()));
        assertThat(json(after.report())).isEqualTo(m.raw());
    }

    @Test
    void write_dayAggregate_readsBackWithExactMoney() {
        Month m = simulate(YearMonth.of(2026, 10), 6, 20_000);
        DayAggregate a = m.aggregates().build(LocalDate.of(2026, 10, 3));

        DayAggregate back = DayAggregates.read(DayAggregates.write(a));

        assertThat(back.spendUsd()).isEqualTo(a.spendUsd());
        assertThat(back.spendUsd().scale()).isEqualTo(a.spendUsd().scale());
        assertThat(back.spendByFeature()).isEqualTo(a.spendByFeature());
        assertThat(back.calls()).isEqualTo(a.calls()).isPositive();
        assertThat(DayAggregates.write(back)).isEqualTo(DayAggregates.write(a));
    }

    private static WasteReport withoutWarnings(WasteReport r) {
        var in = r.input();
        return new WasteReport(
                r.generatedAt(),
                r.window(),
                new dev.spendgate.domain.usage.UsageLogReader.ReadStats(
                        in.objects(),
                        in.records(),
                        in.duplicates(),
                        in.malformedLines(),
                        in.unreadableObjects(),
                        List.of(),
                        in.malformedByField()),
                r.callsAnalysed(),
                r.spendUsd(),
                r.findings(),
                r.overall(),
                r.features(),
                r.settings());
    }
}
