package dev.spendgate.embedded;

import dev.spendgate.domain.budget.RateCounter;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link RateCounter} in this process's memory, for the local gateway: velocity windows last a minute or so, so
 * losing them on a restart costs nothing. Each counter is updated atomically by compare-and-set on a {@link
 * ConcurrentSkipListMap}, which takes no lock: every call of a session or key counts on the same entry, and a {@code
 * ConcurrentHashMap} would lock its bin with a monitor, on which waiting virtual threads are woken late. A
 * counter past its {@code expiresAt} counts as absent, and expired counters are dropped at most every
 * {@value #SWEEP_INTERVAL_MILLIS} ms by the calling thread. Thread-safe.
 */
public final class InMemoryRateCounter implements RateCounter {
    static final long SWEEP_INTERVAL_MILLIS = 10_000;

    private final Clock clock;
    private final ConcurrentSkipListMap<String, Window> counters = new ConcurrentSkipListMap<>();
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
        while (true) {
            Window window = counters.get(counterKey);
            long current = window == null || window.isExpired(now) ? 0 : window.count();
            if (current >= max) {
                return -1;
            }
            Window next = new Window(current + 1, expiresAt);
            if (window == null
                    ? counters.putIfAbsent(counterKey, next) == null
                    : counters.replace(counterKey, window, next)) {
                return current + 1;
            }
        }
    }

    /** How many counters are held (expired ones included until the next sweep). */
    int size() {
        return counters.size();
    }

    private void sweepIfDue(Instant now) {
        long nowMillis = now.toEpochMilli();
        long due = nextSweepMillis.get();
        // also when the clock is before the last sweep (NTP stepped it back): else sweeps stop for the step's length
        boolean stepped = due != Long.MIN_VALUE && nowMillis < due - SWEEP_INTERVAL_MILLIS;
        if ((nowMillis >= due || stepped) && nextSweepMillis.compareAndSet(due, nowMillis + SWEEP_INTERVAL_MILLIS)) {
            // removeIf on a ConcurrentSkipListMap view removes an entry only if it still holds the tested value
            counters.values().removeIf(window -> window.isExpired(now));
        }
    }

    private record Window(long count, Instant expiresAt) {
        boolean isExpired(Instant now) {
            return now.isAfter(expiresAt);
        }
    }
}
