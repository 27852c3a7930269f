package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README "Waste in the PDF": beside recoverable, the board shows "spend at risk (calls on keys breaking a governance
 * rule) per category", and "Totals count a call once" says one detector names a call at most once. One key makes all
 * 600 calls of a month; none has a budget (no_budget: every call) and a quarter carry no department (unattributed).
 * The calls on keys breaking a rule cost the month's whole spend, $6.10; the board's ungoverned-key row adds the two
 * findings and shows $7.63 at risk, more than the month spent. (The efficiency score's per-feature at_risk_usd counts
 * each call once; only the board's row adds them up.)
 */
class SpendAtRiskCountedTwiceReviewTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    @Test
    void report_callsBreakingTwoKeyRules_ungovernedSpendAtRiskCountsEachCallOnce() {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(NOVEMBER, 600, 30, 9).writeTo(data);

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT,
                                // as ReportCommand builds it from a data dir with no keys and no budgets
                                new Governance(List.of(), List.of())),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        WasteSummary.Category ungoverned = result.figures().waste().categories().stream()
                .filter(c -> c.name().equals("ungoverned key"))
                .findFirst()
                .orElseThrow();
        BigDecimal spend = result.figures().totalUsd();
        assertThat(ungoverned.atRiskUsd())
                .as("waste from %s", result.figures().waste().source())
                .isPositive();
        assertThat(ungoverned.atRiskUsd())
                .as("ungoverned-key spend at risk on the board vs the month's spend %s", spend)
                .isLessThanOrEqualTo(spend);
    }
}
