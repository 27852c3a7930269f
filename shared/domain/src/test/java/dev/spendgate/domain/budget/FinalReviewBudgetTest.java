package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Final review of fix25a: upgrade of alert markers, and a retried batch charge on shards. */
class FinalReviewBudgetTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    /** Yesterday's code marked the 50 % alert under its key without "#policy-": the upgrade must not send it again. */
    @Test
    void settle_thresholdAlertedByYesterdaysMarker_notSentAgainAfterUpgrade() {
        BudgetPolicy feature = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        InMemoryOnceMarker markers = InMemoryOnceMarker.create(CLOCK);
        // the marker main (53694000..main) writes when the budget crossed 50 % earlier this month
        String item = feature.itemKey("chatbot", NOW);
        assertThat(markers.markOnce("alert#" + item + "#50#limit-10", NOW.plus(Duration.ofDays(30))))
                .isTrue();
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        ledger.reserve(item, new BigDecimal("10"), new BigDecimal("5.50"));
        ledger.settle(item, new BigDecimal("5.50"), new BigDecimal("5.50")); // $5.50 spent before the upgrade
        RecordingAlertSink alerts = new RecordingAlertSink();
        try (BudgetEnforcer e = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(feature),
                ledger,
                markers,
                alerts,
                InMemoryReservationJournal.create(),
                Duration.ofMinutes(15),
                CLOCK)) {
            BudgetDecision call =
                    e.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("0.10")), m -> List.of());
            e.settle(call, new BigDecimal("0.10"));

            assertThat(alerts.alerts())
                    .as("the 50 %% alert was sent before the upgrade")
                    .isEmpty();
        }
    }

    /**
     * A DynamoDB-like ledger (each item once per charge id) whose write to shard 1 fails once: the batch's retry under
     * the same id must bring the budget to exactly the batch's cost.
     */
    @Test
    void chargeOnce_oneShardFailsThenRetried_budgetChargedExactlyTheCost() {
        BudgetPolicy global = new BudgetPolicy(
                BudgetScope.parse("global"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("1000"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                4);
        InMemoryBudgetLedger inner = InMemoryBudgetLedger.create();
        String shard0 = global.shardKey("*", NOW, 0);
        String shard1 = global.shardKey("*", NOW, 1);
        Set<String> done = new HashSet<>();
        java.util.Map<String, List<BudgetLedger.Settlement>> plans = new java.util.HashMap<>();
        boolean[] failOnce = {true};
        BudgetLedger perItemOnce = new BudgetLedger() {
            @Override
            public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
                return inner.reserve(itemKey, limit, amount);
            }

            @Override
            public void release(String itemKey, BigDecimal reserved) {
                inner.release(itemKey, reserved);
            }

            @Override
            public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
                return inner.settle(itemKey, reserved, actual);
            }

            @Override
            public Optional<BudgetState> state(String itemKey) {
                return inner.state(itemKey);
            }

            /** As DynamoDB's ledger does: the first try's split is kept for the retries. */
            @Override
            public List<Settlement> planOnce(String chargeId, List<Settlement> plan) {
                return plans.computeIfAbsent(chargeId, id -> plan);
            }

            @Override
            public List<String> chargeEachOnce(String chargeId, List<Settlement> settlements) {
                List<String> failed = new ArrayList<>();
                for (Settlement s : settlements) {
                    if (s.itemKey().equals(shard1) && failOnce[0]) {
                        failOnce[0] = false;
                        failed.add(s.itemKey());
                        continue;
                    }
                    if (done.add(chargeId + "|" + s.itemKey())) {
                        inner.settle(s.itemKey(), s.reserved(), s.actual());
                    }
                }
                return failed;
            }
        };
        try (BudgetEnforcer e = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(global),
                perItemOnce,
                InMemoryOnceMarker.create(CLOCK),
                new RecordingAlertSink(),
                InMemoryReservationJournal.create(),
                Duration.ofMinutes(15),
                CLOCK)) {
            List<BudgetDecision.Reservation> items =
                    List.of(new BudgetDecision.Reservation(global, "*", shard0, BigDecimal.ZERO));
            assertThat(e.chargeOnce("batch_1/sha", items, new BigDecimal("400")))
                    .containsExactly(shard1);
            assertThat(e.chargeOnce("batch_1/sha", items, new BigDecimal("400")))
                    .isEmpty();

            assertThat(BudgetStatus.ofPolicy(global, inner, NOW).spentUsd()).isEqualByComparingTo("400");
        }
    }
}
