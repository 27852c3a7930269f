package dev.spendgate.function.proxy.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks the provider for a call: the first provider of the endpoint's format whose model patterns match, else the
 * first provider of that format with a {@code *} pattern.
 */
public final class ProviderRouter {
    private volatile List<Provider> providers;

    public ProviderRouter(List<Provider> providers) {
        this.providers = List.copyOf(providers);
    }

    public Optional<Provider> route(Endpoint endpoint, String model) {
        return route(endpoint.format(), model);
    }

    /**
     * Gives each provider whose key is in {@code keys} ({@link Provider#keyName}) that key, for the calls routed from
     * now on: a rotated key is used without a restart. Providers without one keep theirs. Keys are trimmed
     * ({@link Provider}), as the built-in keys read from the environment are.
     */
    public void useKeys(Map<String, String> keys) {
        List<Provider> updated = new ArrayList<>(providers.size());
        for (Provider p : providers) {
            String key = keys.get(p.keyName());
            updated.add(key == null || key.trim().equals(p.apiKey()) ? p : p.withApiKey(key));
        }
        providers = List.copyOf(updated);
    }

    public Optional<Provider> route(ApiFormat format, String model) {
        List<Provider> providers = this.providers;
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

    /** The provider called {@code name} (built-in names are reserved, so {@code openai} is OpenAI's own). */
    public Optional<Provider> named(String name) {
        for (Provider p : providers) {
            if (p.name().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public List<Provider> providers() {
        return providers;
    }
}
