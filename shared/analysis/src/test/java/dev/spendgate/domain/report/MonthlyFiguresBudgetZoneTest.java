package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A monthly budget set in its owner's time zone ({@code zone: America/Los_Angeles}) is enforced over that zone's
 * month: November starts at 2026-11-01T07:00Z. The board report's budget table sums the UTC month instead, so a call
 * made on the evening of October 31 in Los Angeles (01:00-07:00Z on November 1) shows up as November spend against the
 * budget, and the report says the budget is over its limit when the gateway's own November figure is well under it.
 */
class MonthlyFiguresBudgetZoneTest {
    private static final YearMonth NOV = YearMonth.of(2026, 11);

    @Test
    void budgets_monthlyBudgetInItsOwnZone_isReportedOverThatZonesMonth() {
        MonthlyUsage usage = MonthlyUsage.of(NOV);
        // Oct 31, 20:00 in Los Angeles: October's budget period
        usage.add(call("r1", "2026-11-01T03:00:00Z", "0.50"));
        // Nov 20: November's
        usage.add(call("r2", "2026-11-20T12:00:00Z", "0.05"));
        BudgetPolicy budget = new BudgetPolicy(
                BudgetScope.parse("department:support"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("0.10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneId.of("America/Los_Angeles"));

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(budget), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            // what the gateway counted on the budget's November item, and what it showed in `budgets status`
            assertThat(line.spentUsd()).isEqualByComparingTo("0.05");
            assertThat(line.over()).isFalse();
        });
    }

    private static UsageRecord call(String id, String at, String cost) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .attribution(new Attribution("support-chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .modelServed("m-big")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
