package dev.spendgate.domain.report;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a record's {@code cost_usd} against its tokens before any report sums it. A cost is quarantined when it is
 * negative, more than the model's highest per-token price times the call's tokens (implausible), or, when the record
 * names the catalog version in use, different from that catalog's price for its tokens (mismatched). A record priced
 * under another catalog version within the plausible range is kept: the FOCUS file shows the difference as an
 * adjustment. Costs of models the catalog does not know can only be checked for sign.
 */
public final class CostCheck {
    /** Keeps every record (pre-aggregated sources, or when no catalog is known). */
    public static final CostCheck NONE = new CostCheck(null);

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final PricingCatalog catalog;
    private final Map<String, Optional<ModelPrice>> prices = new HashMap<>();

    private CostCheck(PricingCatalog catalog) {
        this.catalog = catalog;
    }

    /** Checks against {@code catalog} (the prices the gateway charged at: the catalog with its overrides). */
    public static CostCheck against(PricingCatalog catalog) {
        return new CostCheck(java.util.Objects.requireNonNull(catalog, "catalog"));
    }

    /** Why a record's cost cannot be summed; the names are the keys of {@code data-quality.json}. */
    public enum Reason {
        NEGATIVE_COST("negative_cost", "negative cost"),
        NON_NUMERIC_COST("non_numeric_cost", "cost not a number"),
        IMPLAUSIBLE_COST("implausible_cost", "cost above the model's maximum for its tokens"),
        MISMATCHED_COST("mismatched_cost", "cost differs from the catalog version it names");

        private final String key;
        private final String description;

        Reason(String key, String description) {
            this.key = key;
            this.description = description;
        }

        public String key() {
            return key;
        }

        public String description() {
            return description;
        }
    }

    /** Why the record must be quarantined, or empty when its cost may be summed. */
    public Optional<Reason> check(UsageRecord r) {
        BigDecimal cost = r.costUsd();
        if (cost == null || catalog == null && cost.signum() >= 0) {
            return Optional.empty();
        }
        if (cost.signum() < 0) {
            return Optional.of(Reason.NEGATIVE_COST);
        }
        Optional<ModelPrice> price = prices.computeIfAbsent(
                r.pricedProvider() + "\u0000" + r.pricedModel(),
                k -> r.pricedModel() == null ? Optional.empty() : catalog.find(r.pricedProvider(), r.pricedModel()));
        if (price.isEmpty()) {
            return Optional.empty();
        }
        if (cost.compareTo(maximum(price.get(), r.tokens())) > 0) {
            return Optional.of(Reason.IMPLAUSIBLE_COST);
        }
        if (catalog.version() != null
                && catalog.version().equals(r.pricingVersion())
                && cost.compareTo(price.get().cost(r.tokens())) != 0) {
            return Optional.of(Reason.MISMATCHED_COST);
        }
        return Optional.empty();
    }

    /** The most the tokens can cost: every token at the model's highest per-token price. */
    static BigDecimal maximum(ModelPrice price, TokenUsage tokens) {
        BigDecimal highest = price.output();
        for (TokenType type : TokenType.values()) {
            highest = highest.max(type.pricePerMillion(price));
        }
        long count = tokens.inputTokens() + tokens.outputTokens();
        return highest.multiply(BigDecimal.valueOf(count)).divide(MILLION);
    }
}
