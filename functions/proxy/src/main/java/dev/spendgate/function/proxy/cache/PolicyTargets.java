package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.PolicyFileException;
import dev.spendgate.domain.routing.RouteRule;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The checks of a gateway policy that need the gateway's configuration, made wherever the policy is loaded (at start,
 * on each re-read, on {@code PUT /admin/policy}) after {@link GatewayPolicy#parse}: a route stays with the provider its
 * call was sent to (by the providers configured, not by model name: a {@code mistral-*} provider's model is another
 * provider's), and every model of {@code allowed_moves} and of the routes is priced, as for
 * {@code SPENDGATE_DEGRADE_CHAINS}. Either would otherwise leave every routed call unpriced, or sent to a provider that
 * does not serve the model.
 */
public final class PolicyTargets {
    private final ProviderRouter providers;
    private final PricingCatalog pricing;

    public PolicyTargets(ProviderRouter providers, PricingCatalog pricing) {
        this.providers = Objects.requireNonNull(providers, "providers");
        this.pricing = Objects.requireNonNull(pricing, "pricing");
    }

    /** Throws {@link PolicyFileException} naming the first field whose model is unpriced or of another provider. */
    public void check(GatewayPolicy policy) {
        List<RouteRule> routes = policy.routes();
        for (int i = 0; i < routes.size(); i++) {
            RouteRule rule = routes.get(i);
            String f = "routes[" + i + "]";
            requirePriced(rule.to(), f + ".to");
            requireOneProvider(rule, f + ".to");
        }
        for (Map.Entry<String, List<List<String>>> e : policy.allowedMoves().entrySet()) {
            for (List<String> chain : e.getValue()) {
                for (String model : chain) {
                    requirePriced(model, "allowed_moves." + e.getKey());
                }
            }
        }
    }

    private void requirePriced(String model, String field) {
        boolean priced = providers.providers().stream()
                .anyMatch(p -> pricing.find(p.pricingProvider(), model).isPresent());
        if (!priced) {
            throw new PolicyFileException(
                    field,
                    "model '" + model + "' has no price in the catalog or SPENDGATE_PRICING_OVERRIDES for any"
                            + " configured provider (every call routed to it would be unpriced)");
        }
    }

    /** For each API format a call of the rule's {@code from} may come in, both models go to the same provider. */
    private void requireOneProvider(RouteRule rule, String field) {
        for (ApiFormat format : formats(rule.endpoint())) {
            Optional<Provider> from = providers.route(format, rule.from());
            Optional<Provider> to = providers.route(format, rule.to());
            if (from.isPresent()
                    && to.isPresent()
                    && !from.get().name().equals(to.get().name())) {
                // a route changes the model only: the call keeps its provider's URL, key and body format
                throw new PolicyFileException(
                        field,
                        "route '" + rule.id() + "' moves " + rule.from() + " (provider '"
                                + from.get().name()
                                + "') to " + rule.to() + " (provider '"
                                + to.get().name() + "'): a route keeps the"
                                + " call's provider and API, so both models must be served by the same one");
            }
        }
    }

    private static List<ApiFormat> formats(String endpoint) {
        if (endpoint == null) {
            return List.of(ApiFormat.values());
        }
        for (Endpoint e : Endpoint.values()) {
            if (e.recordName().equals(endpoint)) {
                return List.of(e.format());
            }
        }
        return endpoint.startsWith("bedrock.") ? List.of(ApiFormat.BEDROCK) : List.of(ApiFormat.values());
    }
}
