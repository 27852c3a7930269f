package dev.spendgate.function.proxy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Provider;
import java.util.List;

/**
 * Start-time checks of the configuration against the price catalog (with the overrides): a setting that names a
 * price the catalog does not have would leave every call it governs unpriced, which block and degrade budgets refuse.
 */
final class PricedAtStart {
    private PricedAtStart() {}

    /**
     * Each provider whose {@code pricing_provider} was given (it differs from the default, its name, or
     * {@code bedrock} for format {@code bedrock}) names a provider the catalog has prices for.
     */
    static void requirePricingProviders(List<Provider> providers, PricingCatalog pricing) {
        for (Provider p : providers) {
            String pricedAs = p.pricingProvider();
            if (pricedAs.equals(Provider.defaultPricingProvider(p.name(), p.format()))) {
                continue;
            }
            if (pricing.entries().stream().noneMatch(m -> m.provider().equals(pricedAs))) {
                throw new IllegalArgumentException("provider '" + p.name() + "' in SPENDGATE_PROVIDERS_FILE:"
                        + " pricing_provider '" + pricedAs + "' has no prices in the catalog or"
                        + " SPENDGATE_PRICING_OVERRIDES (every call would be unpriced)");
            }
        }
    }

}
