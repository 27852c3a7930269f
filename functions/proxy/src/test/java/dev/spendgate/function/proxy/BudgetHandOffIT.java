package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetLedger;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a call's budget reservations run: on the caller's thread for the in-process ledger (no hand-off on the hot
 * path), in parallel for a remote one (one round trip for all budgets).
 */
class BudgetHandOffIT {
    private static final Attribution CALL = new Attribution("agent", "research", null, "prod", null, null, null);

    @TempDir
    Path dir;

    BudgetStores stores;

    @BeforeEach
    void start() {
        stores = LocalGatewayRuntime.budgets(dir, new LogAlertSink());
        for (String scope : List.of("global", "feature:*", "department:*")) {
            stores.policies()
                    .put(new BudgetPolicy(
                            BudgetScope.parse(scope),
                            BudgetPeriod.MONTHLY,
                            new BigDecimal("100"),
                            BudgetPolicy.Mode.BLOCK,
                            null,
                            null,
                            null));
        }
    }

    @AfterEach
    void stop() {
        stores.close();
    }

    @Test
    void reserve_inProcessLedger_runsOnTheCallersThread() {
        Recording ledger = new Recording(stores.ledger(), true, Duration.ZERO);

        BudgetDecision decision = reserveWith(ledger);

        assertThat(decision.reservations()).hasSize(3);
        assertThat(ledger.threads).containsExactly(Thread.currentThread());
    }

    @Test
    void reserve_remoteLedger_reservesTheBudgetsInParallel() {
        Recording ledger = new Recording(stores.ledger(), false, Duration.ofMillis(300));
        long start = System.nanoTime();

        BudgetDecision decision = reserveWith(ledger);

        assertThat(decision.reservations()).hasSize(3);
        assertThat(ledger.threads).doesNotContain(Thread.currentThread()).hasSize(3);
        assertThat(System.nanoTime() - start).isLessThan(800_000_000L); // three 300 ms round trips, overlapped
    }

    private BudgetDecision reserveWith(BudgetLedger ledger) {
        try (BudgetEnforcer enforcer = new BudgetEnforcer(
                stores.policies(),
                ledger,
                stores.marker(),
                stores.alerts(),
                stores.journal(),
                Duration.ofMinutes(15),
                Clock.systemUTC())) {
            return enforcer.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("0.01")), m -> List.of());
        }
    }

    /** The embedded ledger, as in-process or as a remote store with a round-trip time, recording the threads. */
    private static final class Recording implements BudgetLedger {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        private final BudgetLedger delegate;
        private final boolean inProcess;
        private final Duration latency;

        Recording(BudgetLedger delegate, boolean inProcess, Duration latency) {
            this.delegate = delegate;
            this.inProcess = inProcess;
            this.latency = latency;
        }

        @Override
        public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
            threads.add(Thread.currentThread());
            try {
                Thread.sleep(latency.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return delegate.reserve(itemKey, limit, amount);
        }

        @Override
        public void release(String itemKey, BigDecimal reserved) {
            delegate.release(itemKey, reserved);
        }

        @Override
        public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
            return delegate.settle(itemKey, reserved, actual);
        }

        @Override
        public Optional<BudgetState> state(String itemKey) {
            return delegate.state(itemKey);
        }

        @Override
        public boolean inProcess() {
            return inProcess;
        }
    }
}
