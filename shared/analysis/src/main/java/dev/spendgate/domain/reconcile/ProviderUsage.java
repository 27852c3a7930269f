package dev.spendgate.domain.reconcile;

import dev.spendgate.domain.pricing.TokenUsage;
import java.time.LocalDate;
import java.util.Objects;

/**
 * Token counts a provider reports for one UTC day, model and account (OpenAI usage API, Anthropic usage report), for
 * traffic the gateway could have seen (batch usage is left out by the importers).
 */
public record ProviderUsage(BillSource source, LocalDate day, String model, String account, TokenUsage tokens) {
    public ProviderUsage {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokens, "tokens");
    }
}
