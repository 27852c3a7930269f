package dev.spendgate.function.proxy.budget;

import java.util.Locale;

/**
 * The most output tokens a model can answer in one call, for the worst case of a request that sets no output cap.
 * Matched by the longest name fragment contained in the model id, so dated versions, Bedrock ids ({@code
 * anthropic.claude-sonnet-4-5-20250929-v1:0}) and cross-region profiles ({@code us.}, {@code eu.}) resolve. Figures
 * from the providers' model pages (OpenAI platform.openai.com/docs/models, Anthropic
 * docs.anthropic.com/en/docs/about-claude/models, Amazon Nova docs.aws.amazon.com/nova), read 2026-12-03.
 */
public final class OutputLimits {
    private static final Object[][] LIMITS = {
        {"gpt-3.5-turbo", 4_096L},
        {"gpt-4-turbo", 4_096L},
        {"gpt-4o", 16_384L},
        {"gpt-4o-mini", 16_384L},
        {"gpt-4.1", 32_768L},
        {"gpt-5", 128_000L},
        {"o1", 100_000L},
        {"o3", 100_000L},
        {"o4-mini", 100_000L},
        {"claude-3-haiku", 4_096L},
        {"claude-3-5-haiku", 8_192L},
        {"claude-3-5-sonnet", 8_192L},
        {"claude-3-7-sonnet", 64_000L},
        {"claude-sonnet-4", 64_000L},
        {"claude-haiku-4", 64_000L},
        {"claude-opus-4", 32_000L},
        {"claude-opus-4-5", 64_000L},
        {"nova-micro", 10_000L},
        {"nova-lite", 10_000L},
        {"nova-pro", 10_000L},
        {"nova-premier", 32_000L}
    };

    private OutputLimits() {}

    /** The model's maximum output tokens, or {@code fallback} for a model not listed. */
    public static long maxOutputTokens(String model, long fallback) {
        if (model == null) {
            return fallback;
        }
        String m = model.toLowerCase(Locale.ROOT);
        String best = null;
        long limit = fallback;
        for (Object[] entry : LIMITS) {
            String fragment = (String) entry[0];
            if (m.contains(fragment) && (best == null || fragment.length() > best.length())) {
                best = fragment;
                limit = (Long) entry[1];
            }
        }
        return limit;
    }
}
