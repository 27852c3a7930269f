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
    private volatile Consumer<GatewayPolicy> check = policy -> {};
    private volatile GatewayPolicy current;
    private volatile Instant lastCheck;
    private final ReentrantLock reloading = new ReentrantLock();

    public ReloadingPolicy(
            GatewayPolicyStore store, Duration refresh, Clock clock, Consumer<RuntimeException> onReloadFailure) {
        this.store = Objects.requireNonNull(store, "store");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onReloadFailure = Objects.requireNonNull(onReloadFailure, "onReloadFailure");
        this.current = store.load();
        this.lastCheck = clock.instant();
    }

    /**
     * Adds the checks that need the gateway's configuration ({@link PolicyTargets}). The policy in force is checked now:
     * one that fails is logged (through the reload-failure handler) and set aside, the gateway starting with no policy
     * (nothing routed or cached) rather than not at all: a policy stored yesterday, or one a later catalog or providers
     * change made wrong, must not keep it from starting (in AWS that would fail every call, {@code /admin/policy}
     * included), nor send calls to a model it cannot price. A re-read policy that fails them is refused as an invalid
     * one is, and the admin API refuses to store one.
     */
    public void checkWith(Consumer<GatewayPolicy> check) {
        this.check = Objects.requireNonNull(check, "check");
        try {
            check.accept(current);
        } catch (RuntimeException e) {
            onReloadFailure.accept(e);
            current = GatewayPolicy.EMPTY;
        }
    }

    /** The checks {@link #checkWith} added (none by default), which the admin API applies before it stores a policy. */
    public Consumer<GatewayPolicy> check() {
        return check;
    }

    /** Where the policy is read from (and the admin API writes it). */
    public GatewayPolicyStore store() {
        return store;
    }

    /**
     * Whether the file is due a re-read at {@code now}: {@code refresh} after the last one, or at once when the clock
     * is before the last one (NTP stepped it back), so a step back does not hold the policy in force for its length.
     */
    private boolean due(Instant now) {
        Instant last = lastCheck;
        return now.isBefore(last) || !now.isBefore(last.plus(refresh));
    }

    @Override
    public GatewayPolicy get() {
        Instant now = clock.instant();
        if (!due(now)) {
            return current;
        }
        // One call reloads; the others go on with the policy they have instead of waiting for its file read (a
        // virtual thread left waiting on a lock can be woken late on a busy carrier, see SnapshotGate).
        if (!reloading.tryLock()) {
            return current;
        }
        try {
            if (!due(now)) {
                return current;
            }
            lastCheck = now;
            try {
                GatewayPolicy loaded = store.load();
                check.accept(loaded);
                current = loaded;
            } catch (RuntimeException e) {
                onReloadFailure.accept(e);
            }
            return current;
        } finally {
            reloading.unlock();
        }
    }
}
