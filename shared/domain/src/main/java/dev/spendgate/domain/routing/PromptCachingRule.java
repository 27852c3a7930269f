package dev.spendgate.domain.routing;

import java.util.Objects;

/**
 * Automatic prompt caching for a feature ({@code *}: every feature): Anthropic and Bedrock Claude calls whose leading
 * system prompt and tools are at least {@code minPrefixTokens} long and were seen before get the provider's cache
 * breakpoint.
 */
public record PromptCachingRule(String feature, long minPrefixTokens, String findingId) {
    public static final long DEFAULT_MIN_PREFIX_TOKENS = 1024;

    public PromptCachingRule {
        Objects.requireNonNull(feature, "feature");
    }
}
