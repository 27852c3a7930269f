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

    static List<UsageRecord> simulatedMonth() {
        List<UsageRecord> records = new ArrayList<>();
        TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(NOV, 28, TrafficSimulator.MIN_CALLS, false))
                .run(records::add, (day, n) -> {});
        return records;
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
}
