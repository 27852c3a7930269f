package dev.spendgate.aws.athena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.CellKey;
import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Athena path's SQL run for real (an embedded engine, {@link DuckDbAthena}) on a simulated month, against what the
 * in-process log reader makes of the same records: the board's figures must not depend on which path the month took.
 */
class AthenaMonthlyUsageSourceSqlTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);
    static final PricingCatalog CATALOG = PricingCatalog.bundled();

    final DuckDbAthena athena = new DuckDbAthena();
    final AthenaMonthlyUsageSource source = new AthenaMonthlyUsageSource(
            athena, new AthenaMonthlyUsageSource.Settings("spendgate", "usage", null, null, Duration.ofSeconds(30)));

    @AfterEach
    void close() {
        athena.close();
    }

    private static List<UsageRecord> month;

    /** One simulated month (the seed fixes it), made once per JVM. */
    static synchronized List<UsageRecord> simulatedMonth() {
        if (month == null) {
            List<UsageRecord> records = new ArrayList<>();
            TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(NOV, 28, TrafficSimulator.MIN_CALLS, false))
                    .run(records::add, (day, n) -> {});
            month = List.copyOf(records);
        }
        return month;
    }

    /** What the log reader makes of the records (each offered, its cost checked, as {@code fromLog} does). */
    static MonthlyUsage readRecordByRecord(List<UsageRecord> records, CostCheck check) {
        MonthlyUsage usage = MonthlyUsage.tracking(NOV, Set.of(), Set.of());
        records.forEach(r -> usage.offer(r, check));
        return usage;
    }

    /** Each cell's figures as a line a failure shows whole: calls, tokens, cost (exact, trailing zeros stripped). */
    static Map<String, String> figures(MonthlyUsage usage) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            CellTotals c = e.getValue();
            out.put(
                    e.getKey().toString(),
                    c.calls() + " calls, " + c.pricedCalls() + " priced, " + c.unpricedCalls() + " unpriced, tokens "
                            + c.allTokens() + ", priced tokens " + c.pricedTokens() + ", $"
                            + plain(c.costUsd()) + ", worst case " + c.worstCaseCalls() + " $" + plain(c.worstCaseUsd())
                            + ", estimated " + c.estimatedTokenCalls() + " $" + plain(c.estimatedTokenUsd()));
        }
        return out;
    }

    static String plain(BigDecimal v) {
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    @Test
    void load_simulatedMonth_sameCellsToTheCentAsTheLogReader() {
        List<UsageRecord> records = simulatedMonth();
        source.createTableIfMissing("usage-bucket");
        athena.add(records);

        MonthlyUsage aggregated = source.load(NOV, Set.of(), Set.of(), r -> {}, CostCheck.against(CATALOG));
        MonthlyUsage read = readRecordByRecord(records, CostCheck.against(CATALOG));

        assertThat(read.cells()).hasSizeGreaterThan(100);
        assertThat(figures(aggregated)).isEqualTo(figures(read));
    }

    /** A priced record of the month with its cost (and id) changed: what a damaged or forged line reads as. */
    static UsageRecord withCost(List<UsageRecord> month, String model, String id, String cost) {
        UsageRecord priced = month.stream()
                .filter(r -> r.costUsd() != null && r.costUsd().signum() > 0 && model.equals(r.pricedModel()))
                .filter(r -> r.tokens().webSearches() == 0 && !r.worstCaseEstimate())
                .findFirst()
                .orElseThrow();
        return priced.toBuilder().requestId(id).costUsd(new BigDecimal(cost)).build();
    }

    @Test
    void load_damagedCosts_quarantinedAsTheLogReaderQuarantinesThem() {
        List<UsageRecord> records = simulatedMonth();
        String model = records.stream()
                .filter(r -> r.costUsd() != null && r.costUsd().signum() > 0 && r.provider() != null)
                .map(UsageRecord::pricedModel)
                .findFirst()
                .orElseThrow();
        UsageRecord negative = withCost(records, model, "bad-negative", "-0.25");
        UsageRecord implausible = withCost(records, model, "bad-implausible", "999.5");
        UsageRecord noProvider = withCost(records, model, "bad-no-provider", "750").toBuilder()
                .provider(null)
                .pricingProvider(null)
                .build();
        // a worst case charged by the sweeper has no tokens to check: only its sign
        UsageRecord worstCase = withCost(records, model, "worst-case", "12.5").toBuilder()
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        List<UsageRecord> all = new ArrayList<>(records);
        all.addAll(List.of(negative, implausible, noProvider, worstCase));
        source.createTableIfMissing("usage-bucket");
        athena.add(all);
        // a cost that is not a number (the codec cannot even read the line back)
        String line = new String(
                        dev.spendgate.domain.usage.UsageRecordCodec.line(withCost(records, model, "bad-text", "1")),
                        java.nio.charset.StandardCharsets.UTF_8)
                .strip();
        athena.addLines(List.of(line.replaceFirst("\"cost_usd\":\"1\"", "\"cost_usd\":\"1.2.3\"")));

        MonthlyUsage aggregated = source.load(NOV, Set.of(), Set.of(), r -> {}, CostCheck.against(CATALOG));
        MonthlyUsage read = readRecordByRecord(all, CostCheck.against(CATALOG));

        assertThat(figures(aggregated)).isEqualTo(figures(read));
        assertThat(aggregated.totalCostUsd()).isEqualByComparingTo(read.totalCostUsd());
        assertThat(aggregated.quality().quarantined())
                .containsEntry(CostCheck.Reason.NEGATIVE_COST, 1L)
                .containsEntry(CostCheck.Reason.IMPLAUSIBLE_COST, 2L)
                .containsEntry(CostCheck.Reason.NON_NUMERIC_COST, 1L)
                .containsEntry(CostCheck.Reason.MISMATCHED_COST, 0L);
        // the log reader counts the unreadable cost among its lines; the rest the same, and the same claimed sum
        assertThat(read.quality().quarantined())
                .containsEntry(CostCheck.Reason.NEGATIVE_COST, 1L)
                .containsEntry(CostCheck.Reason.IMPLAUSIBLE_COST, 2L);
        assertThat(aggregated.quality().quarantinedClaimedUsd())
                .isEqualByComparingTo(read.quality().quarantinedClaimedUsd())
                .isEqualByComparingTo("1749.25");
        assertThat(aggregated.quality().aggregatedCostCheck())
                .isEqualTo(dev.spendgate.domain.report.DataQuality.AggregatedCostCheck.CATALOG_MAXIMUM);
        assertThat(aggregated.quality().summaryLine()).contains("4 quarantined (claiming $1,749.25");
    }

    @Test
    void load_withoutACatalog_negativeAndNonNumericQuarantinedImplausibleKept() {
        List<UsageRecord> records = simulatedMonth();
        String model = records.stream()
                .filter(r -> r.costUsd() != null && r.costUsd().signum() > 0)
                .map(UsageRecord::pricedModel)
                .findFirst()
                .orElseThrow();
        List<UsageRecord> all = new ArrayList<>(records);
        all.add(withCost(records, model, "bad-negative", "-0.25"));
        all.add(withCost(records, model, "bad-implausible", "999.5"));
        source.createTableIfMissing("usage-bucket");
        athena.add(all);

        MonthlyUsage aggregated = source.load(NOV, Set.of(), Set.of());

        assertThat(figures(aggregated)).isEqualTo(figures(readRecordByRecord(all, CostCheck.NONE)));
        assertThat(aggregated.quality().quarantined())
                .containsEntry(CostCheck.Reason.NEGATIVE_COST, 1L)
                .containsEntry(CostCheck.Reason.IMPLAUSIBLE_COST, 0L);
    }

    @Test
    void load_outcomeCosts_leaveQuarantinedCallsOut() {
        List<UsageRecord> records = simulatedMonth();
        UsageRecord sessionCall = records.stream()
                .filter(r -> r.costUsd() != null
                        && r.costUsd().signum() > 0
                        && r.attribution().session() != null
                        && r.tokens().webSearches() == 0
                        && !r.worstCaseEstimate())
                .findFirst()
                .orElseThrow();
        UsageRecord forged = sessionCall.toBuilder()
                .requestId("forged-in-session")
                .costUsd(new BigDecimal("5000"))
                .build();
        List<UsageRecord> all = new ArrayList<>(records);
        all.add(forged);
        String tracked = dev.spendgate.domain.report.TrackedIds.of(
                sessionCall.keyId(), sessionCall.attribution().session());
        source.createTableIfMissing("usage-bucket");
        athena.add(all);

        MonthlyUsage aggregated = source.load(NOV, Set.of(tracked), Set.of(), r -> {}, CostCheck.against(CATALOG));
        MonthlyUsage read = MonthlyUsage.tracking(NOV, Set.of(tracked), Set.of());
        all.forEach(r -> read.offer(r, CostCheck.against(CATALOG)));

        assertThat(plain(aggregated.sessionCosts()))
                .isEqualTo(plain(read.sessionCosts()))
                .hasSize(1);
    }

    static Map<String, String> plain(Map<String, BigDecimal> costs) {
        Map<String, String> out = new TreeMap<>();
        costs.forEach((k, v) -> out.put(k, plain(v)));
        return out;
    }
}
