package dev.spendgate.domain.pricing;

import java.util.Locale;
import java.util.Optional;

/**
 * Which Bedrock models cache prompts, and how: Bedrock caches prompts of Claude and Amazon Nova models only (a
 * {@code cachePoint} sent to another model, Llama or Mistral, is refused with a ValidationException), keeps the
 * 1-hour cache for the Claude 4.5 and later models only, caches tool definitions for Claude only, and caches no
 * checkpoint shorter than the model's minimum. Matched by the longest name fragment contained in the model id, so
 * dated ids ({@code anthropic.claude-sonnet-4-5-20250929-v1:0}) and inference profiles ({@code us.}) resolve. From
 * AWS's "Prompt caching for faster model inference" (Bedrock user guide, supported models table), read 2026-12-05;
 * Claude 3.5 Sonnet v2 is left out (preview customers only). Claude Opus 4.7, 4.8 and 5, Sonnet 5 and Fable 5 and
 * Nova 2 Lite, which that table did not list, are here because the bundled catalog prices their Bedrock cache reads
 * (and the Claude ones' 1-hour writes): their minimums follow Anthropic's for the same models as published summaries of
 * its "Cache limitations" give them (Opus 4.7 4,096, Opus 4.8 and Sonnet 5 1,024), the larger where summaries
 * disagree (Opus 5 1,024 rather than 512, Fable 5 2,048 rather than 512): a minimum set too high only leaves a
 * short prefix unmarked, one set too low reserves a cache write that never happens. Nova 2 Lite takes Nova's 1,000.
 * The gateway marks prompts by it; the waste detector advises the 1-hour TTL by it
 * ({@code BedrockPromptCachingCoverageReviewTest} checks it against every Bedrock model the catalog prices cache
 * reads for).
 */
public final class BedrockPromptCaching {
    /** A model's prompt caching: fewest tokens per checkpoint, the 1-hour TTL, tools as a cacheable field. */
    public record Support(long minTokens, boolean hourTtl, boolean tools) {}

    private static final Object[][] MODELS = {
        {"claude-3-5-haiku", new Support(2_048, false, true)},
        {"claude-3-7-sonnet", new Support(1_024, false, true)},
        {"claude-sonnet-4", new Support(1_024, false, true)},
        {"claude-opus-4", new Support(1_024, false, true)},
        {"claude-sonnet-4-5", new Support(1_024, true, true)},
        {"claude-sonnet-4-6", new Support(1_024, true, true)},
        {"claude-haiku-4-5", new Support(4_096, true, true)},
        {"claude-opus-4-5", new Support(4_096, true, true)},
        {"claude-opus-4-6", new Support(4_096, true, true)},
        {"claude-opus-4-7", new Support(4_096, true, true)},
        {"claude-opus-4-8", new Support(1_024, true, true)},
        {"claude-opus-5", new Support(1_024, true, true)},
        {"claude-sonnet-5", new Support(1_024, true, true)},
        {"claude-fable-5", new Support(2_048, true, true)},
        {"nova-micro", new Support(1_000, false, false)},
        {"nova-lite", new Support(1_000, false, false)},
        {"nova-2-lite", new Support(1_000, false, false)},
        {"nova-pro", new Support(1_000, false, false)},
        {"nova-premier", new Support(1_000, false, false)}
    };

    private BedrockPromptCaching() {}

    /** The model's prompt caching on Bedrock, or empty when Bedrock caches none of its prompts. */
    public static Optional<Support> of(String modelId) {
        if (modelId == null) {
            return Optional.empty();
        }
        String m = modelId.toLowerCase(Locale.ROOT);
        String best = null;
        Support support = null;
        for (Object[] entry : MODELS) {
            String fragment = (String) entry[0];
            if (m.contains(fragment) && (best == null || fragment.length() > best.length())) {
                best = fragment;
                support = (Support) entry[1];
            }
        }
        return Optional.ofNullable(support);
    }
}
