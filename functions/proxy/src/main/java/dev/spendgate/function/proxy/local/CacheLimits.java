package dev.spendgate.function.proxy.local;

import dev.spendgate.embedded.FileResponseCacheStore;
import java.util.Map;

/**
 * How much the local response cache keeps on disk in all, whatever the feature ({@code SPENDGATE_CACHE_MAX_ANSWERS},
 * {@code SPENDGATE_CACHE_MAX_BYTES}); past either, the oldest fill is deleted first (README "Routing and caching").
 *
 * @param maxAnswers answers kept in all
 * @param maxBytes bytes of answer files kept in all
 */
public record CacheLimits(int maxAnswers, long maxBytes) {

    public CacheLimits {
        if (maxAnswers < 1) {
            throw new IllegalArgumentException(
                    "SPENDGATE_CACHE_MAX_ANSWERS must be a positive whole number, got " + maxAnswers);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "SPENDGATE_CACHE_MAX_BYTES must be a positive whole number, got " + maxBytes);
        }
    }

    /** 100,000 answers and 2 GiB of answer files. */
    public static CacheLimits defaults() {
        return new CacheLimits(FileResponseCacheStore.DEFAULT_MAX_ANSWERS, FileResponseCacheStore.DEFAULT_MAX_BYTES);
    }

    /** The defaults overridden by {@code SPENDGATE_CACHE_MAX_ANSWERS} and {@code SPENDGATE_CACHE_MAX_BYTES}. */
    public static CacheLimits fromEnv(Map<String, String> env) {
        CacheLimits d = defaults();
        return new CacheLimits(
                (int) number(env, "SPENDGATE_CACHE_MAX_ANSWERS", d.maxAnswers, Integer.MAX_VALUE),
                number(env, "SPENDGATE_CACHE_MAX_BYTES", d.maxBytes, Long.MAX_VALUE));
    }

    private static long number(Map<String, String> env, String name, long fallback, long max) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n > 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number from 1 to " + max + ", got '" + value + "'");
    }
}
