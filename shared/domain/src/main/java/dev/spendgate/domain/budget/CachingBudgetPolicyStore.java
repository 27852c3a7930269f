package dev.spendgate.domain.budget;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the policy list of a remote store for a short time: every call consults the list, and policies change
 * rarely. A change reaches a running instance within {@code ttl}; writes through this instance apply at once.
 */
public final class CachingBudgetPolicyStore implements BudgetPolicyStore {
    private final BudgetPolicyStore delegate;
    private final Duration ttl;
    private final Clock clock;
    private volatile Cached cached;

    public CachingBudgetPolicyStore(BudgetPolicyStore delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public List<BudgetPolicy> list() {
        Instant now = clock.instant();
        Cached c = cached;
        if (c == null || !c.freshAt(now, ttl)) {
            c = new Cached(delegate.list(), now);
            cached = c;
        }
        return c.policies();
    }

    @Override
    public void put(BudgetPolicy policy) {
        delegate.put(policy);
        cached = null;
    }

    @Override
    public Optional<BudgetPolicy> find(String id) {
        return delegate.find(id);
    }

    @Override
    public boolean delete(String id) {
        boolean deleted = delegate.delete(id);
        cached = null;
        return deleted;
    }

    /** The list as read at {@code readAt}. */
    private record Cached(List<BudgetPolicy> policies, Instant readAt) {
        /** Within {@code ttl} of the read; not before it (a clock stepped back would keep it for the step's length). */
        boolean freshAt(Instant now, Duration ttl) {
            return !now.isBefore(readAt) && now.isBefore(readAt.plus(ttl));
        }
    }
}
