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
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (round four of budget operation): a finished month's budget table after finance set the next month's limit.
 * AWS Budgets keeps each period's budgeted amount beside its actual ("budget history"); the gateway enforced December
 * against December's limit.
 */
class MonthlyFiguresBudgetEditedReviewTest {
    private static final YearMonth DEC = YearMonth.of(2026, 12);

    @Test
    void budgets_limitLoweredForTheNextMonth_finishedMonthIsJudgedAgainstItsOwnLimit() {
        MonthlyUsage usage = MonthlyUsage.of(DEC);
        usage.add(call("r1", "2026-12-08T12:00:00Z", "200.00"));
        usage.add(call("r2", "2026-12-22T12:00:00Z", "250.00"));
        BudgetPolicy december = new BudgetPolicy(
                BudgetScope.parse("department:support"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("500"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC);
        BudgetPolicy stored = december.replacing(null, Instant.parse("2026-11-20T09:00:00Z"));
        // January 2nd: finance cuts support's budget for the new month (console, admin API or budgets set), then
        // runs (or re-runs) December's report
        Instant edited = Instant.parse("2027-01-02T09:00:00Z");
        BudgetPolicy january = new BudgetPolicy(
                        BudgetScope.parse("department:support"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("300"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        ZoneOffset.UTC)
                .replacing(stored, edited);

        MonthlyFigures f =
                MonthlyFigures.of(usage, null, List.of(january), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            assertThat(line.spentUsd()).isEqualByComparingTo("450.00");
            // the gateway admitted December's $450 under its $500 limit: 90 %, $50 under
            assertThat(line.limitUsd()).as("December's limit").isEqualByComparingTo("500");
            assertThat(line.over())
                    .as("December stayed within the $500 it was given")
                    .isFalse();
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
