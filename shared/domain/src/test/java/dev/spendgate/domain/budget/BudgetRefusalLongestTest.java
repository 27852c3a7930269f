package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetDecision.Refusal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A call several budgets refuse: a client is told to wait until all of them have room again. */
class BudgetRefusalLongestTest {
    private static final Instant NOW = Instant.parse("2026-12-14T20:00:00Z");

    private static Refusal refused(BudgetPeriod period) {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("global"),
                period,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC);
        return new Refusal(
                policy,
                "*",
                period.key(NOW, ZoneOffset.UTC),
                new BigDecimal("0.9998"),
                period.end(NOW, ZoneOffset.UTC),
                "budget exceeded");
    }

    @Test
    void dailyAndMonthlyRefusing_retryAtTheMonthsEnd_namingTheMonthlyBudget() {
        Refusal daily = refused(BudgetPeriod.DAILY);
        Refusal monthly = refused(BudgetPeriod.MONTHLY);

        Refusal both = daily.withAlsoRefusing(List.of(monthly));

        assertThat(both.retryAt()).contains(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(both.longest()).isSameAs(monthly);
        assertThat(daily.retryAt()).contains(Instant.parse("2026-12-15T00:00:00Z"));
    }

    @Test
    void aLifetimeBudgetRefusingToo_noTimeToRetry_namingTheLifetimeBudget() {
        Refusal lifetime = refused(BudgetPeriod.LIFETIME);

        Refusal all = refused(BudgetPeriod.DAILY).withAlsoRefusing(List.of(lifetime, refused(BudgetPeriod.MONTHLY)));

        assertThat(all.retryAt()).isEmpty();
        assertThat(all.longest()).isSameAs(lifetime);
    }
}
