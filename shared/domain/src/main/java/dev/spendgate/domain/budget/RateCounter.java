package dev.spendgate.domain.budget;

import java.time.Instant;

/**
 * Atomic counters for velocity limits (calls per minute per session or key): one item per key and window, expiring
 * after it.
 */
public interface RateCounter {

    /**
     * Adds one to the counter when it is below {@code max} and returns the new count; returns -1, changing nothing,
     * when it already reached {@code max}. The counter may be deleted any time after {@code expiresAt}.
     */
    long incrementIfBelow(String counterKey, long max, Instant expiresAt);
}
