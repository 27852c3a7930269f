package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A provider batch's results charged on a sharded budget whose shards do not hold the same. */
class BatchChargeOnShardsTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void chargeOnce_shardZeroFull_costTakenOnTheOthersHeadroom_budgetAdmitsNoMoreThanItsLimit() {
        BudgetPolicy global = new BudgetPolicy(
                BudgetScope.parse("global"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("1000"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                4);
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        String shard0 = global.shardKey("*", NOW, 0);
        ledger.reserve(shard0, global.shardLimit(), new BigDecimal("250"));
        ledger.settle(shard0, new BigDecimal("250"), new BigDecimal("250")); // shard 0 at its $250 share
        try (BudgetEnforcer e = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(global),
                ledger,
                InMemoryOnceMarker.create(CLOCK),
                new RecordingAlertSink(),
                InMemoryReservationJournal.create(),
                Duration.ofMinutes(15),
                CLOCK)) {
            List<BudgetDecision.Reservation> items =
                    List.of(new BudgetDecision.Reservation(global, "*", shard0, BigDecimal.ZERO));
            assertThat(e.chargeOnce("batch_1/sha", items, new BigDecimal("300")))
                    .isEmpty();

            assertThat(ledger.state(shard0))
                    .hasValueSatisfying(s -> assertThat(s.spent()).isEqualByComparingTo("250"));
            int admitted = 0;
            while (admitted < 200) {
                BudgetDecision call = e.reserve(
                        dev.spendgate.domain.attribution.Attribution.NONE,
                        "key_1",
                        "gpt-4o",
                        m -> Optional.of(BigDecimal.TEN),
                        m -> List.of());
                if (!call.allowed()) {
                    break;
                }
                e.settle(call, BigDecimal.TEN);
                admitted++;
            }
            assertThat(admitted).as("$550 spent of $1,000: 45 calls of $10 fit").isEqualTo(45);
            assertThat(BudgetStatus.ofPolicy(global, ledger, NOW).spentUsd()).isEqualByComparingTo("1000");
        }
    }

    @Test
    void spread_moreThanTheHeadroom_excessEvenly_partsSumToTheCost() {
        List<BigDecimal> parts = BudgetEnforcer.spread(
                new BigDecimal("10"),
                new BigDecimal("3"),
                List.of(new BigDecimal("3"), new BigDecimal("1"), BigDecimal.ZERO));

        assertThat(parts.stream().reduce(BigDecimal.ZERO, BigDecimal::add)).isEqualByComparingTo("10");
        assertThat(parts.get(0)).isEqualByComparingTo("1.666666666");
        assertThat(parts.get(1)).isEqualByComparingTo("3.666666666");
        assertThat(parts.get(2)).isEqualByComparingTo("4.666666668");
    }
}
