package dev.spendgate.domain.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * List prices of one model in USD per million tokens, in force from {@code effectiveDate}. The top-level figures are
 * the standard tier's; {@code serviceTierRates} holds the other tiers (flex, priority, batch) the provider sells the
 * model at, {@code longContext} the premium that reprices a whole request above an input-token threshold, and
 * {@code regionMultipliers} data-residency surcharges (Anthropic's US-only inference: {@code us} x1.1). A null cached
 * or cache-write price means the provider has no separate price for it: those tokens are charged at the input price.
 *
 * @param tier the model's class for degradation chains (premium, standard, economy); not a service tier
 * @param webSearchPer1k the provider's fee per 1,000 server-side web searches (catalog {@code web_search_per_1k}),
 *     billed on top of the tokens at every tier and region; null when the catalog has no fee for the model (a call
 *     that searched is then unpriced, see {@link CallPricer})
 * @param webSearchPreviewPer1k the fee per 1,000 searches of OpenAI's older {@code web_search_preview} tool where it
 *     differs from {@code webSearchPer1k} (catalog {@code web_search_preview_per_1k}: $25 on the non-reasoning gpt-4o
 *     and gpt-4.1 models); null: those searches cost {@code webSearchPer1k}
 */
public record ModelPrice(
        String provider,
        String model,
        List<String> aliases,
        String tier,
        String family,
        BigDecimal input,
        BigDecimal cachedInput,
        BigDecimal cacheWrite5m,
        BigDecimal cacheWrite1h,
        BigDecimal output,
        String sourceUrl,
        LocalDate effectiveDate,
        Map<String, Rates> serviceTierRates,
        LongContext longContext,
        Map<String, BigDecimal> regionMultipliers,
        LocalDate deprecatedDate,
        LocalDate retiredDate,
        BigDecimal webSearchPer1k,
        BigDecimal webSearchPreviewPer1k) {

    public ModelPrice {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input price of " + model);
        Objects.requireNonNull(output, "output price of " + model);
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        for (BigDecimal price : new BigDecimal[] {
            input, cachedInput, cacheWrite5m, cacheWrite1h, output, webSearchPer1k, webSearchPreviewPer1k
        }) {
            if (price != null && price.signum() < 0) {
                throw new IllegalArgumentException("prices of " + model + " must not be negative");
            }
        }
        Map<String, Rates> tiers = new HashMap<>();
        if (serviceTierRates != null) {
            serviceTierRates.forEach((name, rates) -> tiers.put(ServiceTiers.canonical(name), rates));
        }
        tiers.remove(ServiceTiers.STANDARD);
        serviceTierRates = Map.copyOf(tiers);
        regionMultipliers = regionMultipliers == null ? Map.of() : Map.copyOf(regionMultipliers);
        for (Map.Entry<String, BigDecimal> m : regionMultipliers.entrySet()) {
            if (m.getValue().signum() <= 0) {
                throw new IllegalArgumentException(
                        "region multiplier '" + m.getKey() + "' of " + model + " must be positive");
            }
        }
    }

    /** A price whose {@code web_search_preview} searches cost what other searches cost. */
    public ModelPrice(
            String provider,
            String model,
            List<String> aliases,
            String tier,
            String family,
            BigDecimal input,
            BigDecimal cachedInput,
            BigDecimal cacheWrite5m,
            BigDecimal cacheWrite1h,
            BigDecimal output,
            String sourceUrl,
            LocalDate effectiveDate,
            Map<String, Rates> serviceTierRates,
            LongContext longContext,
            Map<String, BigDecimal> regionMultipliers,
            LocalDate deprecatedDate,
            LocalDate retiredDate,
            BigDecimal webSearchPer1k) {
        this(
                provider,
                model,
                aliases,
                tier,
                family,
                input,
                cachedInput,
                cacheWrite5m,
                cacheWrite1h,
                output,
                sourceUrl,
                effectiveDate,
                serviceTierRates,
                longContext,
                regionMultipliers,
                deprecatedDate,
                retiredDate,
                webSearchPer1k,
                null);
    }

    /** A price with no web-search fee. */
    public ModelPrice(
            String provider,
            String model,
            List<String> aliases,
            String tier,
            String family,
            BigDecimal input,
            BigDecimal cachedInput,
            BigDecimal cacheWrite5m,
            BigDecimal cacheWrite1h,
            BigDecimal output,
            String sourceUrl,
            LocalDate effectiveDate,
            Map<String, Rates> serviceTierRates,
            LongContext longContext,
            Map<String, BigDecimal> regionMultipliers,
            LocalDate deprecatedDate,
            LocalDate retiredDate) {
        this(
                provider,
                model,
                aliases,
                tier,
                family,
                input,
                cachedInput,
                cacheWrite5m,
                cacheWrite1h,
                output,
                sourceUrl,
                effectiveDate,
                serviceTierRates,
                longContext,
                regionMultipliers,
                deprecatedDate,
                retiredDate,
                null);
    }

    /** A price with the standard tier only (no other tiers, long context, region multipliers or web-search fee). */
    public ModelPrice(
            String provider,
            String model,
            List<String> aliases,
            String tier,
            String family,
            BigDecimal input,
            BigDecimal cachedInput,
            BigDecimal cacheWrite5m,
            BigDecimal cacheWrite1h,
            BigDecimal output,
            String sourceUrl,
            LocalDate effectiveDate) {
        this(
                provider,
                model,
                aliases,
                tier,
                family,
                input,
                cachedInput,
                cacheWrite5m,
                cacheWrite1h,
                output,
                sourceUrl,
                effectiveDate,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** The standard tier's rates. */
    public Rates standardRates() {
        return new Rates(input, cachedInput, cacheWrite5m, cacheWrite1h, output);
    }

    /**
     * The exact cost of the usage at the standard tier, the long-context rule included; never rounded. Use
     * {@link #quote(TokenUsage, String, String)} to price another tier.
     */
    public BigDecimal cost(TokenUsage usage) {
        return quote(usage, ServiceTiers.STANDARD, null).orElseThrow().cost();
    }

    /**
     * The data-residency multiplier a worst-case reservation assumes: the requested region's ({@code requestedRegion},
     * e.g. a request's {@code inference_geo}), else the largest the model has, since the provider may apply one the
     * request does not show (Anthropic lets a workspace default to {@code us}). One for a model without multipliers.
     */
    public BigDecimal reservedRegionMultiplier(String requestedRegion) {
        if (requestedRegion != null) {
            return regionMultipliers.getOrDefault(requestedRegion.toLowerCase(java.util.Locale.ROOT), BigDecimal.ONE);
        }
        BigDecimal largest = BigDecimal.ONE;
        for (BigDecimal m : regionMultipliers.values()) {
            largest = largest.max(m);
        }
        return largest;
    }

    /**
     * Prices the usage at the tier the provider served ({@code serviceTier}, any provider spelling, null for
     * standard) and in the data-residency region ({@code region}, e.g. {@code us}; null for none), plus its web
     * searches at {@link #webSearchPer1k} (not discounted by tier nor multiplied by region: the fee is per search;
     * none when the catalog has no fee). Empty when the catalog has no rates for that tier: the call is then unpriced,
     * never priced at another tier's rates.
     */
    public Optional<PriceQuote> quote(TokenUsage usage, String serviceTier, String region) {
        String canonical = ServiceTiers.canonical(serviceTier);
        boolean standard = ServiceTiers.STANDARD.equals(canonical);
        boolean isLong = longContext != null && longContext.appliesTo(usage);
        Rates rates;
        if (isLong) {
            rates = standard
                    ? longContext.rates()
                    : longContext.serviceTierRates().get(canonical);
        } else {
            rates = standard ? standardRates() : serviceTierRates.get(canonical);
        }
        if (rates == null) {
            return Optional.empty();
        }
        BigDecimal multiplier = region == null
                ? BigDecimal.ONE
                : regionMultipliers.getOrDefault(region.toLowerCase(java.util.Locale.ROOT), BigDecimal.ONE);
        BigDecimal cost = rates.cost(usage);
        if (multiplier.compareTo(BigDecimal.ONE) != 0) {
            cost = stripped(cost.multiply(multiplier));
        }
        if (usage.webSearches() > 0 && webSearchPer1k != null) {
            cost = stripped(cost.add(webSearchFee(usage)));
        }
        return Optional.of(new PriceQuote(this, cost, canonical, isLong, multiplier, rates));
    }

    /** What {@code searches} web searches cost at {@link #webSearchPer1k} (which must be set); exact. */
    public BigDecimal webSearchFee(long searches) {
        return webSearchPer1k.multiply(BigDecimal.valueOf(searches)).movePointLeft(3);
    }

    /**
     * What the usage's web searches cost: its {@code web_search_preview} ones at {@link #webSearchPreviewPer1k} where
     * the model has one, the others at {@link #webSearchPer1k} (which must be set); exact.
     */
    public BigDecimal webSearchFee(TokenUsage usage) {
        long preview = webSearchPreviewPer1k == null ? 0 : usage.previewWebSearches();
        BigDecimal fee = webSearchFee(usage.webSearches() - preview);
        return preview == 0
                ? fee
                : fee.add(webSearchPreviewPer1k
                        .multiply(BigDecimal.valueOf(preview))
                        .movePointLeft(3));
    }

    /** Whether the model is retired (the provider no longer serves it) on {@code day}. */
    public boolean retiredOn(LocalDate day) {
        return retiredDate != null && !day.isBefore(retiredDate);
    }

    /** This price, also found under {@code names}. */
    public ModelPrice withAliases(List<String> names) {
        return new ModelPrice(
                provider,
                model,
                names,
                tier,
                family,
                input,
                cachedInput,
                cacheWrite5m,
                cacheWrite1h,
                output,
                sourceUrl,
                effectiveDate,
                serviceTierRates,
                longContext,
                regionMultipliers,
                deprecatedDate,
                retiredDate,
                webSearchPer1k,
                webSearchPreviewPer1k);
    }

    /** This price with every figure multiplied by {@code factor} (e.g. 0.85 for a 15 % negotiated discount). */
    public ModelPrice scaled(BigDecimal factor) {
        Map<String, Rates> tiers = new HashMap<>();
        serviceTierRates.forEach((name, rates) -> tiers.put(name, rates.scaled(factor)));
        LongContext scaledLong = null;
        if (longContext != null) {
            Map<String, Rates> longTiers = new HashMap<>();
            longContext.serviceTierRates().forEach((name, rates) -> longTiers.put(name, rates.scaled(factor)));
            scaledLong = new LongContext(
                    longContext.thresholdInputTokens(), longContext.rates().scaled(factor), longTiers);
        }
        return new ModelPrice(
                provider,
                model,
                aliases,
                tier,
                family,
                input.multiply(factor),
                scale(cachedInput, factor),
                scale(cacheWrite5m, factor),
                scale(cacheWrite1h, factor),
                output.multiply(factor),
                sourceUrl,
                effectiveDate,
                tiers,
                scaledLong,
                regionMultipliers,
                deprecatedDate,
                retiredDate,
                scale(webSearchPer1k, factor),
                scale(webSearchPreviewPer1k, factor));
    }

    private static BigDecimal scale(BigDecimal price, BigDecimal factor) {
        return price == null ? null : price.multiply(factor);
    }

    static BigDecimal stripped(BigDecimal value) {
        BigDecimal s = value.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
