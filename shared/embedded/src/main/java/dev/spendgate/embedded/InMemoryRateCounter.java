package dev.spendgate.embedded;

import dev.spendgate.domain.budget.RateCounter;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link RateCounter} in this process's memory, for the local gateway: velocity windows last a minute or so, so
 * losing them on a restart costs nothing. Each counter is updated atomically ({@link ConcurrentHashMap#compute}). A
 * counter past its {@code expiresAt} counts as absent, and expired counters are dropped at most every
 * {@value #SWEEP_INTERVAL_MILLIS} ms by the calling thread. Thread-safe.
 */
public final class InMemoryRateCounter implements RateCounter {
    static final long SWEEP_INTERVAL_MILLIS = 10_000;

    private final Clock clock;
    private final ConcurrentHashMap<String, Window> counters = new ConcurrentHashMap<>();
    private final AtomicLong nextSweepMillis = new AtomicLong(Long.MIN_VALUE);

    public InMemoryRateCounter() {
        this(Clock.systemUTC());
    }

    public InMemoryRateCounter(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public long incrementIfBelow(String counterKey, long max, Instant expiresAt) {
        Objects.requireNonNull(counterKey, "counterKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        Instant now = clock.instant();
        sweepIfDue(now);
        long[] count = {-1};
        counters.compute(counterKey, (key, window) -> {
            long current = window == null || window.isExpired(now) ? 0 : window.count();
            if (current >= max) {
                return window;
            }
            count[0] = current + 1;
            return new Window(current + 1, expiresAt);
        });
        return count[0];
    }

    /** How many counters are held (expired ones included until the next sweep). */
    int size() {
        return counters.size();
    }

    private void sweepIfDue(Instant now) {
        long nowMillis = now.toEpochMilli();
        long due = nextSweepMillis.get();
        if (nowMillis >= due && nextSweepMillis.compareAndSet(due, nowMillis + SWEEP_INTERVAL_MILLIS)) {
            // removeIf on a ConcurrentHashMap view removes an entry only if it still holds the tested value
            counters.values().removeIf(window -> window.isExpired(now));
        }
    }

    private record Window(long count, Instant expiresAt) {
        boolean isExpired(Instant now) {
            return now.isAfter(expiresAt);
        }
    }
}
