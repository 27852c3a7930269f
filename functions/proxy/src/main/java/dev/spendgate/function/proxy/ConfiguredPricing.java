package dev.spendgate.function.proxy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.budget.DegradationChains;

/**
 * The prices the gateway charges with: the bundled catalog with {@code SPENDGATE_PRICING_OVERRIDES}, checked against
 * the configuration it prices. Used at start-up and, for a deployment, when the stack is synthesised, so a price file
 * the gateway would refuse is refused before it reaches a function.
 */
public final class ConfiguredPricing {
    private ConfiguredPricing() {}

    /**
     * The catalog {@code config} prices calls with. A malformed override file is refused, naming the variable, rather
     * than charging list prices; so is a provider whose {@code pricing_provider} has no prices.
     */
    public static PricingCatalog load(ProxyConfig config) {
        PricingCatalog pricing = PricingCatalog.bundled();
        if (config.pricingOverrides() != null) {
            try {
                pricing = pricing.withOverrides(config.pricingOverrides());
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                // refuse to start rather than charge list prices: name the variable the operator set
                throw new IllegalArgumentException("SPENDGATE_PRICING_OVERRIDES: " + e.getMessage(), e);
            }
        }
        PricedAtStart.requirePricingProviders(config.providers(), pricing);
        return pricing;
    }

    /** Refuses degradation chains with a model {@code pricing} prices for no configured provider. */
    public static void requireChainsPriced(DegradationChains chains, ProxyConfig config, PricingCatalog pricing) {
        PricedAtStart.requireDegradeChainsPriced(chains, config.providers(), pricing);
    }
}
