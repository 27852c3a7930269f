package dev.spendgate.function.proxy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.budget.DegradationChains;
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

    /**
     * Each model of the degradation chains is priced for at least one provider's {@code pricing_provider}: a step the
     * catalog cannot price can never be taken, so a typo would turn every degrade into a 429.
     */
    static void requireDegradeChainsPriced(DegradationChains chains, List<Provider> providers, PricingCatalog pricing) {
        for (String model : chains.models()) {
            boolean priced = providers.stream()
                    .anyMatch(p -> pricing.find(p.pricingProvider(), model).isPresent());
            if (!priced) {
                throw new IllegalArgumentException("SPENDGATE_DEGRADE_CHAINS: model '" + model
                        + "' has no price in the catalog or SPENDGATE_PRICING_OVERRIDES for any provider"
                        + " (a degrade to it could never fit)");
            }
        }
    }
}
