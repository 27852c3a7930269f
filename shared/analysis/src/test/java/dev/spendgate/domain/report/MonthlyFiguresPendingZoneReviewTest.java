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
 * README "Budgets": "A changed time zone waits for the period's end": a monthly budget moved from UTC to
 * America/Los_Angeles on 20 November keeps counting November in UTC (the zone in force until 2026-12-01T00:00Z). README
 * "Finance reports": a budget with a zone "is summed over its own month as the gateway counts it". So November's report
 * must sum November in UTC for it, not Los Angeles' November (from 2026-11-01T07:00Z).
 */
class MonthlyFiguresPendingZoneReviewTest {
    private static final YearMonth NOV = YearMonth.of(2026, 11);

    @Test
    void zoneChangedMidMonth_reportSumsTheMonthInTheZoneTheGatewayCountedIt() {
        BudgetPolicy utc = budget(null);
        BudgetPolicy moved =
                budget(ZoneId.of("America/Los_Angeles")).replacing(utc, Instant.parse("2026-11-20T12:00:00Z"));
        // the gateway counts November on the UTC item until 1 December 00:00Z
        assertThat(moved.inForceAt(Instant.parse("2026-11-30T23:59:59Z")).zone().getId())
                .isEqualTo("Z");

        MonthlyUsage usage = MonthlyUsage.of(NOV);
        usage.add(call("r1", "2026-11-01T03:00:00Z", "0.50")); // UTC November (31 Oct 20:00 in Los Angeles)
        usage.add(call("r2", "2026-11-25T12:00:00Z", "0.05"));

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(moved), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            // the gateway's item budget#department:support#monthly#2026-11 holds $0.55 (over the $0.10 limit)
            assertThat(line.spentUsd()).as("November as the gateway counted it").isEqualByComparingTo("0.55");
            assertThat(line.over()).isTrue();
        });
    }

    private static BudgetPolicy budget(ZoneId zone) {
        return new BudgetPolicy(
                BudgetScope.parse("department:support"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("0.10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                zone);
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
