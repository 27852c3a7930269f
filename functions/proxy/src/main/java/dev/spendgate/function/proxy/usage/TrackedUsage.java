package dev.spendgate.function.proxy.usage;

import dev.spendgate.domain.pricing.TokenUsage;

/**
 * What a tracker learned from a response: the provider's usage when it reported it ({@code complete}), else the
 * parts it did report, the model the provider served, and the text it streamed (for estimation only; never logged
 * or stored).
 */
public record TrackedUsage(TokenUsage tokens, boolean complete, String modelServed, String streamedText) {}
