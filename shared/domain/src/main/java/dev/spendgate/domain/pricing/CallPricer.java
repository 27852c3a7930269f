package dev.spendgate.domain.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices one call the way the provider bills it: at the tier it served (not the one asked for), with the rates in
 * force at the call's time, the long-context rule and the data-residency multiplier. The rules:
 *
 * <ul>
 *   <li>The served tier wins; when the response did not name one, the requested tier; else standard.
 *   <li>A tier the catalog has no rates for leaves the call unpriced: it is never priced at another tier's rates.
 *   <li>Usage the provider reported as zero costs exactly $0, whatever the model.
 *   <li>A model the catalog does not know is unpriced, never $0; a served model it does not know is unpriced too,
 *       never priced as the model the request named (a dated snapshot prices as its base model, another id through
 *       an alias in the pricing overrides).
 *   <li>Web searches are billed per search on top of the tokens ({@link ModelPrice#webSearchPer1k}); a call that
 *       searched on a model the catalog has no search fee for is unpriced, never priced at its tokens alone.
 *   <li>Images made by OpenAI's {@code image_generation} tool are billed at GPT Image rates by size and quality,
 *       which the catalog does not have: such a call is unpriced, never priced at its tokens alone.
 *   <li>Searches run by OpenAI's {@code file_search} tool are billed per tool call, a fee the catalog does not have:
 *       such a call is unpriced, never priced at its tokens alone.
 *   <li>Code run by OpenAI's {@code code_interpreter} tool is billed per container, by memory size and session, a fee
 *       the catalog does not have: such a call is unpriced, never priced at its tokens alone.
 * </ul>
 */
public final class CallPricer {
    private final PricingCatalog catalog;

    private CallPricer(PricingCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    public static CallPricer create(PricingCatalog catalog) {
        return new CallPricer(catalog);
    }

    /** What one call costs; {@code cost} is null when unpriced and {@code reason} says why. */
    public record Priced(BigDecimal cost, PriceQuote quote, String reason) {
        public boolean priced() {
            return cost != null;
        }

        static Priced unpriced(String reason) {
            return new Priced(null, null, reason);
        }
    }

    /** The facts of one call that decide its price. */
    public record Call(
            String provider,
            String modelServed,
            String modelRequested,
            TokenUsage tokens,
            boolean providerReported,
            String serviceTierServed,
            String serviceTierRequested,
            String inferenceGeo,
            Instant at) {}

    public Priced price(Call call) {
        Objects.requireNonNull(call.tokens(), "tokens");
        String tier = call.serviceTierServed() != null ? call.serviceTierServed() : call.serviceTierRequested();
        if (call.providerReported() && call.tokens().isZero()) {
            return new Priced(BigDecimal.ZERO, null, "the provider reported no tokens");
        }
        String model = call.modelServed() != null ? call.modelServed() : call.modelRequested();
        // the served model alone: one the catalog lacks (an Azure deployment or an OpenRouter fallback running another
        // model than the body named) is never priced at the requested model's rates
        Optional<ModelPrice> price = catalog.find(call.provider(), model, call.at());
        if (price.isEmpty()) {
            return Priced.unpriced(
                    "model '" + model + "' of provider '" + call.provider() + "' is not in the pricing catalog");
        }
        if (call.tokens().webSearches() > 0 && price.get().webSearchPer1k() == null) {
            return Priced.unpriced("the pricing catalog has no web_search_per_1k for " + call.provider() + "/"
                    + price.get().model() + " and the call ran " + call.tokens().webSearches()
                    + " web searches; add it to the pricing overrides to price these calls");
        }
        if (call.tokens().imageGenerations() > 0) {
            return Priced.unpriced("the pricing catalog has no image_generation tool fee for " + call.provider() + "/"
                    + price.get().model() + " and the call generated "
                    + call.tokens().imageGenerations()
                    + " images (billed at GPT Image rates by size and quality)");
        }
        if (call.tokens().fileSearches() > 0) {
            return Priced.unpriced("the pricing catalog has no file_search tool fee for " + call.provider() + "/"
                    + price.get().model() + " and the call ran " + call.tokens().fileSearches()
                    + " file searches (billed per tool call on top of the tokens)");
        }
        if (call.tokens().codeInterpreterCalls() > 0) {
            return Priced.unpriced("the pricing catalog has no code_interpreter container fee for " + call.provider()
                    + "/" + price.get().model() + " and the call ran "
                    + call.tokens().codeInterpreterCalls()
                    + " code interpreter calls (their container billed by memory size and session)");
        }
        Optional<PriceQuote> quote = price.get().quote(call.tokens(), tier, call.inferenceGeo());
        if (quote.isEmpty()) {
            return Priced.unpriced("the pricing catalog has no '" + ServiceTiers.canonical(tier) + "' rates for "
                    + call.provider() + "/" + price.get().model()
                    + (price.get().longContext() != null
                                    && price.get().longContext().appliesTo(call.tokens())
                            ? " above " + price.get().longContext().thresholdInputTokens() + " input tokens"
                            : "")
                    + "; add them to the pricing overrides (service_tiers) to price these calls");
        }
        return new Priced(quote.get().cost(), quote.get(), null);
    }
}
