package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reservations orphaned by a call that never settled are released by the sweeper once their TTL has passed. */
class BudgetSweepIT {
    private static final Attribution CALL = new Attribution("agent", "research", null, "prod", null, null, null);
    private static final BigDecimal ESTIMATE = new BigDecimal("0.25");

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    BudgetStores stores;
    BudgetEnforcer enforcer;
    BudgetPolicy policy;

    @BeforeEach
    void start() {
        stores = LocalGatewayRuntime.budgets(dir, new LogAlertSink());
        policy = new BudgetPolicy(
                BudgetScope.parse("feature:agent"),
                BudgetPeriod.MONTHLY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        stores.policies().put(policy);
        enforcer = new BudgetEnforcer(
                stores.policies(),
                stores.ledger(),
                stores.marker(),
                stores.alerts(),
                stores.journal(),
                Duration.ofMinutes(15),
                clock);
    }

    @AfterEach
    void stop() {
        enforcer.close();
        stores.close();
    }

    private BudgetDecision reserve() {
        return enforcer.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(ESTIMATE), m -> List.of());
    }

    private BudgetState state() {
        return stores.ledger().state(policy.itemKey("agent", clock.instant())).orElseThrow();
    }

    @Test
    void sweep_orphanPastItsTtl_releasesItsReservation() {
        reserve(); // the gateway crashes: this call never settles
        assertThat(state().reserved()).isEqualByComparingTo("0.25");

        clock.advance(Duration.ofMinutes(14));
        assertThat(enforcer.sweep(10)).isZero();
        clock.advance(Duration.ofMinutes(2));
        assertThat(enforcer.sweep(10)).isEqualTo(1);

        assertThat(state().reserved()).isEqualByComparingTo("0");
        assertThat(state().committed()).isEqualByComparingTo("0");
        assertThat(enforcer.sweep(10)).isZero();
    }

    @Test
    void settle_afterTheSweeperReleasedIt_recordsSpendWithoutReleasingTwice() {
        BudgetDecision slowCall = reserve();
        clock.advance(Duration.ofMinutes(16));
        enforcer.sweep(10);

        enforcer.settle(slowCall, new BigDecimal("0.20"));

        assertThat(state().spent()).isEqualByComparingTo("0.20");
        assertThat(state().reserved()).isEqualByComparingTo("0");
        assertThat(state().committed()).isEqualByComparingTo("0.20");
    }

    @Test
    void settle_inTime_leavesNothingForTheSweeper() {
        BudgetDecision call = reserve();
        enforcer.settle(call, new BigDecimal("0.10"));
        clock.advance(Duration.ofHours(1));

        assertThat(enforcer.sweep(10)).isZero();
        assertThat(state().committed()).isEqualByComparingTo("0.10");
    }

    @Test
    void sharded_callsBorrowOtherShardsAndTheSweeperReleasesTheShardActuallyReserved() {
        BudgetPolicy sharded = new BudgetPolicy(
                BudgetScope.parse("department:research"),
                BudgetPeriod.MONTHLY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                4);
        stores.policies().delete(policy.id());
        stores.policies().put(sharded);

        // Each shard holds $0.25: four reservations of $0.25 fill one shard each, wherever each one starts.
        for (int i = 0; i < 4; i++) {
            BudgetDecision d = reserve();
            assertThat(d.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
        }
        BudgetDecision fifth =
                enforcer.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("0.20")), m -> List.of());
        assertThat(fifth.outcome()).isEqualTo(BudgetDecision.Outcome.BLOCK);
        assertThat(fifth.refusal().spentUsd()).isEqualByComparingTo("0");
        for (int shard = 0; shard < 4; shard++) {
            assertThat(stores.ledger()
                            .state(sharded.shardKey("research", clock.instant(), shard))
                            .orElseThrow()
                            .reserved())
                    .as("shard " + shard)
                    .isEqualByComparingTo("0.25");
        }

        clock.advance(Duration.ofMinutes(16));
        assertThat(enforcer.sweep(10)).isEqualTo(4);

        for (int shard = 0; shard < 4; shard++) {
            assertThat(stores.ledger()
                            .state(sharded.shardKey("research", clock.instant(), shard))
                            .orElseThrow()
                            .committed())
                    .as("shard " + shard)
                    .isEqualByComparingTo("0");
        }
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
