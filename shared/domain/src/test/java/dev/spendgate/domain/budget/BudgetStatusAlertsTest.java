package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The alert thresholds a budget's status reports crossed are the ones the enforcer alerts for. */
class BudgetStatusAlertsTest {
    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void ofPolicy_shardedBudget_judgesTheFullestShardAsTheEnforcerAlerts() {
        BudgetPolicy policy = policy(2);
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        spend(ledger, policy.shardKey("*", NOW, 0), policy.shardLimit(), "4.50");

        BudgetStatus status = BudgetStatus.ofPolicy(policy, ledger, NOW);

        // $4.50 of $10 is 45 %, but 90 % of shard 0's $5: the enforcer sent the 80 % alert
        assertThat(status.usedPercent()).isEqualByComparingTo("45");
        assertThat(status.alertsCrossed()).containsExactly(50, 80);
    }

    @Test
    void ofPolicy_oneShard_judgesTheWholeSpend() {
        BudgetPolicy policy = policy(1);
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        spend(ledger, policy.shardKey("*", NOW, 0), policy.shardLimit(), "4.50");

        assertThat(BudgetStatus.ofPolicy(policy, ledger, NOW).alertsCrossed()).isEmpty();
    }

    private static BudgetPolicy policy(int shards) {
        return new BudgetPolicy(
                BudgetScope.parse("global"),
                BudgetPeriod.parse("monthly"),
                new BigDecimal("10"),
                BudgetPolicy.Mode.ALERT,
                List.of(50, 80),
                null,
                ZoneOffset.UTC,
                shards);
    }

    private static void spend(InMemoryBudgetLedger ledger, String item, BigDecimal limit, String usd) {
        BigDecimal amount = new BigDecimal(usd);
        ledger.reserve(item, limit, amount);
        ledger.settle(item, amount, amount);
    }
}
