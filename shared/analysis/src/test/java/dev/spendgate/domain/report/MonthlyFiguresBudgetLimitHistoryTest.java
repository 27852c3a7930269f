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

/** A month's budget table judges each budget by the limit the gateway enforced in that month. */
class MonthlyFiguresBudgetLimitHistoryTest {
    private static final YearMonth DEC = YearMonth.of(2026, 12);

    private static BudgetPolicy support(String limitUsd) {
        return new BudgetPolicy(
                BudgetScope.parse("department:support"),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limitUsd),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC);
    }

    private static MonthlyUsage december() {
        MonthlyUsage usage = MonthlyUsage.of(DEC);
        usage.add(call("r1", "2026-12-08T12:00:00Z", "200.00"));
        usage.add(call("r2", "2026-12-22T12:00:00Z", "250.00"));
        return usage;
    }

    @Test
    void budgets_limitRaisedMidMonth_judgedByTheLimitAtTheMonthsEnd_andSaysItChanged() {
        BudgetPolicy stored = support("400").replacing(null, Instant.parse("2026-11-20T09:00:00Z"));
        BudgetPolicy raised = support("500").replacing(stored, Instant.parse("2026-12-15T09:00:00Z"));

        MonthlyFigures f =
                MonthlyFigures.of(december(), null, List.of(raised), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            assertThat(line.limitUsd()).isEqualByComparingTo("500");
            assertThat(line.varianceUsd()).isEqualByComparingTo("-50.00");
            assertThat(line.limitNote()).isEqualTo("limit $500.00 from 2026-12-15 09:00 UTC, $400.00 before");
        });
        assertThat(FactSheet.of(f).lines()).anySatisfy(l -> assertThat(l)
                .startsWith("budget department:support: limit $500.00")
                .endsWith("(limit $500.00 from 2026-12-15 09:00 UTC, $400.00 before)"));
    }

    @Test
    void budgets_createdAfterTheMonth_isNoBudgetOfIt() {
        BudgetPolicy january = support("300").replacing(null, Instant.parse("2027-01-02T09:00:00Z"));

        MonthlyFigures f =
                MonthlyFigures.of(december(), null, List.of(january), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).isEmpty();
    }

    @Test
    void budgets_storedBeforeItsHistoryWasKept_judgedByItsLimitAsBefore() {
        MonthlyFigures f = MonthlyFigures.of(
                december(), null, List.of(support("500")), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            assertThat(line.limitUsd()).isEqualByComparingTo("500");
            assertThat(line.limitNote()).isNull();
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
