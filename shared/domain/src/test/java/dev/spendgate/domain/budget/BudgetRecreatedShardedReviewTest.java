package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * README "Scale note": "A changed N takes effect when the current period ends ... a $10 monthly budget with $9 spent,
 * split in four mid-month, would admit $6 more". Here the operator splits it by deleting the budget and setting it
 * again ({@code budgets delete}, then {@code budgets set --shards 4}; the console's delete button, then its form),
 * stored as the CLI and the admin API store it: {@code policy.replacing(store.find(id), now)}.
 */
class BudgetRecreatedShardedReviewTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private static BudgetPolicy monthly(int shards) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                shards);
    }

    @Test
    void deletedAndSetAgainWithShards_midPeriod_doesNotReadmitTheSpendSoFar() {
        InMemoryBudgetPolicyStore store = InMemoryBudgetPolicyStore.of(monthly(1));
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        try (BudgetEnforcer gateway = new BudgetEnforcer(
                store,
                ledger,
                InMemoryOnceMarker.create(clock),
                new RecordingAlertSink(),
                InMemoryReservationJournal.create(),
                Duration.ofMinutes(15),
                clock)) {
            BudgetDecision spent =
                    gateway.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("9")), m -> List.of());
            gateway.settle(spent, new BigDecimal("9")); // $9 of $10 spent this month

            assertThat(store.delete("feature:chatbot/monthly")).isTrue();
            BudgetPolicy again = monthly(4);
            store.put(again.replacing(store.find(again.id()).orElse(null), NOW));

            BigDecimal admitted = BigDecimal.ZERO;
            for (int i = 0; i < 8; i++) {
                BudgetDecision d =
                        gateway.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("1")), m -> List.of());
                if (d.allowed()) {
                    gateway.settle(d, new BigDecimal("1"));
                    admitted = admitted.add(BigDecimal.ONE);
                }
            }
            // $1 was left of the month's $10: at most $1 more may be admitted this month.
            assertThat(admitted).as("admitted after the budget was set again").isLessThanOrEqualTo(BigDecimal.ONE);
        }
    }
}
