package dev.spendgate.domain.usage;

import dev.spendgate.domain.pricing.TokenUsage;

/**
 * Token counts as a provider reported them. A negative count is no count (OpenAI has answered o3 calls with {@code
 * "completion_tokens": -35}): the call's usage is then incomplete, estimated and recorded {@code usage_source:
 * estimated}, never thrown out with the call. What was a count is kept as the partial usage the estimate starts from.
 */
public final class UsageCounts {
    private UsageCounts() {}

    /** Whether none of the counts is negative (their bitwise or has no sign bit). */
    public static boolean valid(long a, long b, long c, long d, long e) {
        return (a | b | c | d | e) >= 0;
    }

    /**
     * OpenAI semantics ({@link TokenUsage#openAi(long, long, long, long, long)}); when a count is negative, the
     * others as a partial usage (a negative part counted as 0), or null when the input itself is not a count.
     */
    public static TokenUsage openAi(long prompt, long cached, long cacheWrite, long completion, long reasoning) {
        if (valid(prompt, cached, cacheWrite, completion, reasoning)) {
            return TokenUsage.openAi(prompt, cached, cacheWrite, completion, reasoning);
        }
        return prompt < 0
                ? null
                : TokenUsage.openAi(
                        prompt, atLeast0(cached), atLeast0(cacheWrite), atLeast0(completion), atLeast0(reasoning));
    }

    /**
     * Anthropic semantics ({@link TokenUsage#anthropic}); when a count is negative, the others as a partial usage, or
     * null when the uncached input is not a count.
     */
    public static TokenUsage anthropic(long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output) {
        if (valid(input, cacheRead, cacheWrite5m, cacheWrite1h, output)) {
            return TokenUsage.anthropic(input, cacheRead, cacheWrite5m, cacheWrite1h, output);
        }
        return input < 0
                ? null
                : TokenUsage.anthropic(
                        input, atLeast0(cacheRead), atLeast0(cacheWrite5m), atLeast0(cacheWrite1h), atLeast0(output));
    }

    private static long atLeast0(long count) {
        return Math.max(0, count);
    }
}
