package dev.spendgate.domain.reconcile;

import dev.spendgate.domain.pricing.TokenUsage;
import java.time.LocalDate;
import java.util.Objects;

/**
 * Token counts a provider reports for one UTC day, model and account (OpenAI usage API, Anthropic usage report).
 *
 * @param batch whether these are batch-tier tokens (compared with the batch results the gateway recorded)
 */
public record ProviderUsage(
        BillSource source, LocalDate day, String model, String account, TokenUsage tokens, boolean batch) {
    public ProviderUsage {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokens, "tokens");
    }

    /** Tokens of the tiers every call through the gateway is metered at (not batch). */
    public ProviderUsage(BillSource source, LocalDate day, String model, String account, TokenUsage tokens) {
        this(source, day, model, account, tokens, false);
    }
}
