package dev.spendgate.domain.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decides whether a call's leading prefix (system prompt and tools) gets a prompt-cache breakpoint, and with which
 * TTL, from how often that exact prefix was seen: a prefix is marked only when it is long enough for the provider to
 * cache ({@code minPrefixTokens}) and the same prefix came before (a prefix that changes every call, a timestamp inside
 * a system prompt, would pay cache writes and never read them). The TTL follows the gap since the prefix was last
 * seen: up to 5 minutes, the 5-minute cache (writes cost 1.25x input); up to an hour, the 1-hour cache (2x); longer,
 * none, since either cache would have expired before the next call. Remembers the last {@value #MAX_PREFIXES} prefixes
 * per process (each Lambda instance learns on its own).
 */
public final class PromptCachePlanner {
    static final int MAX_PREFIXES = 10_000;
    static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    static final Duration ONE_HOUR = Duration.ofHours(1);

    /** The breakpoint's TTL as the providers spell it. */
    public enum Ttl {
        FIVE_MINUTES("5m"),
        ONE_HOUR("1h");

        private final String label;

        Ttl(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Not a monitor: a virtual thread blocked on one is woken through a platform thread, late on a busy carrier. */
    private final ReentrantLock seen = new ReentrantLock();

    private final Map<String, Instant> lastSeen = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > MAX_PREFIXES;
        }
    };

    /**
     * Notes one call with this prefix and says which breakpoint it gets.
     *
     * @param prefixHash hash of the exact prefix (model included), or null when the call has none
     * @param prefixTokens estimated tokens of the prefix
     */
    public Optional<Ttl> plan(String prefixHash, long prefixTokens, long minPrefixTokens, Instant now) {
        if (prefixHash == null || prefixTokens < minPrefixTokens) {
            return Optional.empty();
        }
        Instant previous;
        seen.lock();
        try {
            previous = lastSeen.put(prefixHash, now);
        } finally {
            seen.unlock();
        }
        if (previous == null) {
            return Optional.empty();
        }
        Duration gap = Duration.between(previous, now);
        if (gap.compareTo(FIVE_MINUTES) <= 0) {
            return Optional.of(Ttl.FIVE_MINUTES);
        }
        if (gap.compareTo(ONE_HOUR) <= 0) {
            return Optional.of(Ttl.ONE_HOUR);
        }
        return Optional.empty();
    }
}
