package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The gateway policy as the request path reads it: loaded once at start (an invalid policy stops the start, naming the
 * field), then re-read at most once per {@code refresh} (a second locally, so `advisor apply` takes effect at once; the
 * key cache's interval in AWS). A policy that stops validating on a re-read is reported and the one in force is kept.
 */
public final class ReloadingPolicy implements Supplier<GatewayPolicy> {
    private final GatewayPolicyStore store;
    private final Duration refresh;
    private final Clock clock;
    private final Consumer<RuntimeException> onReloadFailure;
    private volatile GatewayPolicy current;
    private volatile Instant nextCheck;
    private final ReentrantLock reloading = new ReentrantLock();

    public ReloadingPolicy(
            GatewayPolicyStore store, Duration refresh, Clock clock, Consumer<RuntimeException> onReloadFailure) {
        this.store = Objects.requireNonNull(store, "store");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onReloadFailure = Objects.requireNonNull(onReloadFailure, "onReloadFailure");
        this.current = store.load();
        this.nextCheck = clock.instant().plus(refresh);
    }

    /** Where the policy is read from (and the admin API writes it). */
    public GatewayPolicyStore store() {
        return store;
    }

    @Override
    public GatewayPolicy get() {
        Instant now = clock.instant();
        if (now.isBefore(nextCheck)) {
            return current;
        }
        // One call reloads; the others go on with the policy they have instead of waiting for its file read (a
        // virtual thread left waiting on a lock can be woken late on a busy carrier, see SnapshotGate).
        if (!reloading.tryLock()) {
            return current;
        }
        try {
            if (now.isBefore(nextCheck)) {
                return current;
            }
            nextCheck = now.plus(refresh);
            try {
                current = store.load();
            } catch (RuntimeException e) {
                onReloadFailure.accept(e);
            }
            return current;
        } finally {
            reloading.unlock();
        }
    }
}
