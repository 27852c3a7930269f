package dev.spendgate.domain.pricing;

import java.util.Map;
import java.util.Objects;

/**
 * A long-context premium: when a request's input tokens (cached and cache-write tokens included) exceed
 * {@code thresholdInputTokens}, the whole request, input and output, is billed at {@code rates} (Anthropic's rule
 * for Sonnet 4/4.5 above 200,000 input tokens; OpenAI's for gpt-5.4 above 272,000; Gemini's for 2.5 Pro above
 * 200,000). A request of exactly the threshold is not long. {@code serviceTierRates} are the long-context rates of
 * the other tiers (Batch: half of them).
 */
public record LongContext(long thresholdInputTokens, Rates rates, Map<String, Rates> serviceTierRates) {

    public LongContext {
        if (thresholdInputTokens <= 0) {
            throw new IllegalArgumentException("thresholdInputTokens must be positive");
        }
        Objects.requireNonNull(rates, "long-context rates");
        serviceTierRates = serviceTierRates == null ? Map.of() : Map.copyOf(serviceTierRates);
    }

    public boolean appliesTo(TokenUsage usage) {
        return usage.inputTokens() > thresholdInputTokens;
    }
}
