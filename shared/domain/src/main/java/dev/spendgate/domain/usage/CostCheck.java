package dev.spendgate.domain.usage;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Checks a record's {@code cost_usd} against its tokens before any report sums it. A cost is quarantined when it is
 * negative, more than the model's highest per-token price times the call's tokens (implausible), or, when the record
 * names the catalog version in use, different from that catalog's price for its tokens (mismatched). A record priced
 * under another catalog version within the plausible range is kept: the FOCUS file shows the difference as an
 * adjustment. A record that names no provider is checked against the highest maximum of every provider the catalog
 * knows its model for. Costs of models the catalog does not know, and worst-case estimates of calls that never settled
 * ({@code cost_basis: reserved_worst_case}, no tokens), can only be checked for sign.
 */
public final class CostCheck {
    /** Keeps every record (pre-aggregated sources, or when no catalog is known). */
    public static final CostCheck NONE = new CostCheck(null);

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final PricingCatalog catalog;

    private CostCheck(PricingCatalog catalog) {
        this.catalog = catalog;
    }

    /** Checks against {@code catalog} (the prices the gateway charged at: the catalog with its overrides). */
    public static CostCheck against(PricingCatalog catalog) {
        return new CostCheck(java.util.Objects.requireNonNull(catalog, "catalog"));
    }

    /** Whether costs are held to a catalog (else only their sign is checked). */
    public boolean holdsToCatalog() {
        return catalog != null;
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

        /** The reason whose {@link #key()} is {@code key}; empty for a key this version does not know. */
        public static Optional<Reason> ofKey(String key) {
            for (Reason r : values()) {
                if (r.key.equals(key)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
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
        if (r.worstCaseEstimate()) {
            return Optional.empty(); // a worst case reserved for a call whose tokens never arrived: no tokens to check
        }
        if (r.pricedProvider() == null && r.pricedModel() != null) {
            return anyProvidersMaximum(r)
                    .filter(maximum -> cost.compareTo(maximum) > 0)
                    .map(maximum -> Reason.IMPLAUSIBLE_COST);
        }
        // The rate card in force on the call's day (prices change over time), as the gateway priced it.
        Optional<ModelPrice> price = r.pricedModel() == null
                ? Optional.empty()
                : catalog.find(r.pricedProvider(), r.pricedModel(), r.tsStart());
        if (price.isEmpty()) {
            return Optional.empty();
        }
        if (cost.compareTo(maximum(price.get(), r.tokens())) > 0) {
            return Optional.of(Reason.IMPLAUSIBLE_COST);
        }
        if (catalog.version() != null && catalog.version().equals(r.pricingVersion()) && !matches(price.get(), r)) {
            return Optional.of(Reason.MISMATCHED_COST);
        }
        return Optional.empty();
    }

    /**
     * The most a call may cost per token and per web search ({@code perPreviewSearch}: one of OpenAI's older {@code
     * web_search_preview} tool), for a source that checks costs in its own query (Athena) rather than record by
     * record: a cost above {@code perToken} times the call's input and output tokens plus its searches at these fees
     * is {@link Reason#IMPLAUSIBLE_COST implausible}, as {@link #check} finds it.
     */
    public record Ceiling(BigDecimal perToken, BigDecimal perSearch, BigDecimal perPreviewSearch) {
        /** The most {@code tokens} can cost. */
        public BigDecimal of(TokenUsage tokens) {
            long searches = tokens.webSearches();
            long previews = Math.min(searches, tokens.previewWebSearches());
            return perToken.multiply(BigDecimal.valueOf(tokens.inputTokens() + tokens.outputTokens()))
                    .add(perSearch.multiply(BigDecimal.valueOf(searches - previews)))
                    .add(perPreviewSearch.multiply(BigDecimal.valueOf(previews)));
        }

        private Ceiling max(Ceiling other) {
            return other == null
                    ? this
                    : new Ceiling(
                            perToken.max(other.perToken),
                            perSearch.max(other.perSearch),
                            perPreviewSearch.max(other.perPreviewSearch));
        }
    }

    /**
     * The ceiling {@link #check} holds the cost of a record like {@code probe} to (its provider, pricing provider,
     * models and start day; its tokens and cost are not read): empty without a catalog, for a model the catalog does
     * not know, and for a worst-case estimate (checked for sign only). A record that names no provider gets the highest
     * of each fee over every provider the catalog knows its model for, a bound no lower than {@link #check}'s.
     */
    public Optional<Ceiling> ceiling(UsageRecord probe) {
        if (catalog == null || probe.worstCaseEstimate() || probe.pricedModel() == null) {
            return Optional.empty();
        }
        if (probe.pricedProvider() == null) {
            Ceiling highest = null;
            java.util.Set<String> providers = new java.util.LinkedHashSet<>();
            for (ModelPrice entry : catalog.entries()) {
                providers.add(entry.provider());
            }
            for (String provider : providers) {
                Optional<ModelPrice> price = catalog.find(provider, probe.pricedModel(), probe.tsStart());
                if (price.isPresent()) {
                    highest = ceiling(price.get()).max(highest);
                }
            }
            return Optional.ofNullable(highest);
        }
        return catalog.find(probe.pricedProvider(), probe.pricedModel(), probe.tsStart())
                .map(CostCheck::ceiling);
    }

    /** {@link #maximum}'s rates: the highest per-token price times the largest region multiplier, and the fees. */
    static Ceiling ceiling(ModelPrice price) {
        BigDecimal perToken =
                maximum(price, new TokenUsage(1_000_000, 0, 0, 0, 0, 0)).movePointLeft(6);
        BigDecimal perSearch = price.webSearchPer1k() == null
                ? BigDecimal.ZERO
                : price.webSearchPer1k().movePointLeft(3);
        BigDecimal perPreview = price.webSearchPer1k() == null
                ? BigDecimal.ZERO
                : price.webSearchPreviewPer1k() == null
                        ? perSearch
                        : price.webSearchPreviewPer1k().movePointLeft(3);
        return new Ceiling(perToken.stripTrailingZeros(), perSearch, perPreview);
    }

    /**
     * For a record that names no provider: the most its tokens can cost under any provider the catalog knows its
     * model for (the rate card in force on the call's day), so that a missing {@code provider} never lets a cost pass
     * unchecked; empty when no provider's catalog knows the model.
     */
    private Optional<BigDecimal> anyProvidersMaximum(UsageRecord r) {
        BigDecimal highest = null;
        java.util.Set<String> providers = new java.util.LinkedHashSet<>();
        for (ModelPrice entry : catalog.entries()) {
            providers.add(entry.provider());
        }
        for (String provider : providers) {
            Optional<ModelPrice> price = catalog.find(provider, r.pricedModel(), r.tsStart());
            if (price.isPresent()) {
                BigDecimal maximum = maximum(price.get(), r.tokens());
                highest = highest == null ? maximum : highest.max(maximum);
            }
        }
        return Optional.ofNullable(highest);
    }

    /**
     * Whether the cost is the catalog's for the record's tokens at the tier it was priced at (the long-context rule
     * included) and the region the record names ({@code inference_geo}); a record without one (written before the
     * field) may also be that times one of the model's data-residency multipliers.
     * A tier the catalog has no rates for is not checked here.
     */
    private static boolean matches(ModelPrice price, UsageRecord r) {
        Optional<dev.spendgate.domain.pricing.PriceQuote> quote = price.quote(
                r.tokens(), r.billing().pricedServiceTier(), r.billing().inferenceGeo());
        if (quote.isEmpty()) {
            return true;
        }
        BigDecimal expected = quote.get().cost();
        if (r.costUsd().compareTo(expected) == 0) {
            return true;
        }
        if (r.billing().inferenceGeo() != null) {
            return false;
        }
        for (BigDecimal multiplier : price.regionMultipliers().values()) {
            if (r.costUsd().compareTo(expected.multiply(multiplier)) == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The most the tokens can cost: every token at the model's highest per-token price in any of its rate sets
     * (standard, service tiers, long context), times its largest data-residency multiplier; plus the call's web
     * searches at the model's per-search fee.
     */
    static BigDecimal maximum(ModelPrice price, TokenUsage tokens) {
        java.util.List<dev.spendgate.domain.pricing.Rates> all = new java.util.ArrayList<>();
        all.add(price.standardRates());
        all.addAll(price.serviceTierRates().values());
        if (price.longContext() != null) {
            all.add(price.longContext().rates());
            all.addAll(price.longContext().serviceTierRates().values());
        }
        BigDecimal highest = BigDecimal.ZERO;
        for (dev.spendgate.domain.pricing.Rates rates : all) {
            for (BigDecimal rate : new BigDecimal[] {
                rates.input(), rates.cachedInput(), rates.cacheWrite5m(), rates.cacheWrite1h(), rates.output()
            }) {
                if (rate != null) {
                    highest = highest.max(rate);
                }
            }
        }
        BigDecimal region = BigDecimal.ONE;
        for (BigDecimal multiplier : price.regionMultipliers().values()) {
            region = region.max(multiplier);
        }
        long count = tokens.inputTokens() + tokens.outputTokens();
        BigDecimal most =
                highest.multiply(region).multiply(BigDecimal.valueOf(count)).divide(MILLION);
        return tokens.webSearches() > 0 && price.webSearchPer1k() != null ? most.add(price.webSearchFee(tokens)) : most;
    }
}
