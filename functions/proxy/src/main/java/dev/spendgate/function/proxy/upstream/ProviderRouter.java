package dev.spendgate.function.proxy.upstream;

import java.util.List;
import java.util.Optional;

/**
 * Picks the provider for a call: the first provider of the endpoint's format whose model patterns match, else the
 * first provider of that format with a {@code *} pattern.
 */
public final class ProviderRouter {
    private final List<Provider> providers;

    public ProviderRouter(List<Provider> providers) {
        this.providers = List.copyOf(providers);
    }

    public Optional<Provider> route(Endpoint endpoint, String model) {
        return route(endpoint.format(), model);
    }

    public Optional<Provider> route(ApiFormat format, String model) {
        for (Provider p : providers) {
            if (p.format() == format && !p.models().contains("*") && p.serves(model)) {
                return Optional.of(p);
            }
        }
        for (Provider p : providers) {
            if (p.format() == format && p.models().contains("*")) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public List<Provider> providers() {
        return providers;
    }
}
