package dev.spendgate.domain.routing;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * The response cache of one feature ({@code *}: every feature without its own rule).
 *
 * @param mode {@code exact} or {@code semantic}
 * @param ttl how long an answer is served from the cache
 * @param maxEntries at most this many answers of the feature are kept (the oldest go first)
 * @param maxEntryBytes larger answers are not cached
 * @param threshold semantic mode: least similarity of the varying part (0.85 to 0.95)
 * @param share who may be served an answer another caller paid for: {@code key} (same key and department, the
 *     default), {@code department} (any key of the same department) or {@code feature} (anyone calling the feature)
 * @param maxTemperature calls with a higher {@code temperature} (absent counts as 1, the providers' default) bypass
 *     the cache unless {@code anyTemperature}
 */
public record CacheRule(
        String feature,
        Mode mode,
        Duration ttl,
        int maxEntries,
        int maxEntryBytes,
        BigDecimal threshold,
        Share share,
        BigDecimal maxTemperature,
        boolean anyTemperature,
        String findingId) {

    public static final BigDecimal MIN_THRESHOLD = new BigDecimal("0.85");
    public static final BigDecimal MAX_THRESHOLD = new BigDecimal("0.95");
    public static final BigDecimal DEFAULT_THRESHOLD = new BigDecimal("0.90");
    public static final BigDecimal DEFAULT_MAX_TEMPERATURE = new BigDecimal("0.5");
    private static final BigDecimal DEFAULT_TEMPERATURE = BigDecimal.ONE;

    public CacheRule {
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(share, "share");
        threshold = threshold == null ? DEFAULT_THRESHOLD : threshold;
        maxTemperature = maxTemperature == null ? DEFAULT_MAX_TEMPERATURE : maxTemperature;
    }

    /** Whether a call with this {@code temperature} (null: not set) may be cached. */
    public boolean allowsTemperature(BigDecimal temperature) {
        return anyTemperature
                || (temperature == null ? DEFAULT_TEMPERATURE : temperature).compareTo(maxTemperature) <= 0;
    }

    public enum Mode {
        EXACT,
        SEMANTIC
    }

    public enum Share {
        KEY,
        DEPARTMENT,
        FEATURE
    }
}
