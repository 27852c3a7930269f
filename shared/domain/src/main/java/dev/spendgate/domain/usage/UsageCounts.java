package dev.spendgate.domain.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;

/**
 * Token counts as a provider reported them. A negative count is no count (OpenAI has answered o3 calls with {@code
 * "completion_tokens": -35}): the call's usage is then incomplete, estimated and recorded {@code usage_source:
 * estimated}, never thrown out with the call. What was a count is kept as the partial usage the estimate starts from.
 * Counts whose sum does not fit a long are no counts either (no call bills 9.2 quintillion tokens): the usage is
 * incomplete and nothing of it is kept, so the whole call is estimated. A count the provider did not give (absent,
 * JSON {@code null}, text, a fraction) is no count either ({@link #count}): unknown, never read as 0.
 */
public final class UsageCounts {
    private UsageCounts() {}

    /**
     * A count a provider must report (prompt and completion, input and output tokens), as read from its JSON: the
     * value when it is a whole number that fits a long, else -1, no count. An OpenAI-compatible server that did not
     * count sends {@code "prompt_tokens": null} or an empty {@code usage}; its call was billed all the same.
     */
    public static long count(JsonNode value) {
        return value != null && value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong()
                ? value.asLong()
                : -1;
    }

    /** Whether none of the counts is negative and their sum fits a long. */
    public static boolean valid(long a, long b, long c, long d, long e) {
        return (a | b | c | d | e) >= 0 && summable(a, b, c, d, e);
    }

    /**
     * Whether the sum of the counts, with a negative one taken as 0, fits a long. Adding a non-negative long to a
     * non-negative sum overflows exactly when the result turns negative.
     */
    private static boolean summable(long a, long b, long c, long d, long e) {
        long sum = atLeast0(a) + atLeast0(b);
        if (sum < 0) {
            return false;
        }
        sum += atLeast0(c);
        if (sum < 0) {
            return false;
        }
        sum += atLeast0(d);
        return sum >= 0 && sum + atLeast0(e) >= 0;
    }

    /**
     * OpenAI semantics ({@link TokenUsage#openAi(long, long, long, long, long)}); when a count is negative, the
     * others as a partial usage (a negative part counted as 0), or null when the input itself is not a count or the
     * counts' sum overflows.
     */
    public static TokenUsage openAi(long prompt, long cached, long cacheWrite, long completion, long reasoning) {
        if (valid(prompt, cached, cacheWrite, completion, reasoning)) {
            return TokenUsage.openAi(prompt, cached, cacheWrite, completion, reasoning);
        }
        return prompt < 0 || !summable(prompt, cached, cacheWrite, completion, reasoning)
                ? null
                : TokenUsage.openAi(
                        prompt, atLeast0(cached), atLeast0(cacheWrite), atLeast0(completion), atLeast0(reasoning));
    }

    /**
     * Anthropic semantics ({@link TokenUsage#anthropic}); when a count is negative, the others as a partial usage, or
     * null when the uncached input is not a count or the counts' sum (the billed input) overflows.
     */
    public static TokenUsage anthropic(long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output) {
        if (valid(input, cacheRead, cacheWrite5m, cacheWrite1h, output)) {
            return TokenUsage.anthropic(input, cacheRead, cacheWrite5m, cacheWrite1h, output);
        }
        return input < 0 || !summable(input, cacheRead, cacheWrite5m, cacheWrite1h, output)
                ? null
                : TokenUsage.anthropic(
                        input, atLeast0(cacheRead), atLeast0(cacheWrite5m), atLeast0(cacheWrite1h), atLeast0(output));
    }

    private static long atLeast0(long count) {
        return Math.max(0, count);
    }
}
