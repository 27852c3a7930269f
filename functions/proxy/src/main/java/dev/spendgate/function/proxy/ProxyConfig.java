package dev.spendgate.function.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The proxy's configuration, read once from environment variables (see the README's configuration table). Provider
 * keys may be replaced later by the ones in Secrets Manager ({@link #withProviderKeys}).
 */
public record ProxyConfig(
        List<Provider> providers,
        Path pricingOverrides,
        long maxBodyBytes,
        Duration upstreamTimeout,
        int flushMaxRecords,
        Duration flushInterval,
        Map<String, String> env) {

    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
    public static final String DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ProxyConfig {
        providers = List.copyOf(providers);
        env = Map.copyOf(env);
    }

    public static ProxyConfig fromEnv(Map<String, String> env) {
        UnaryOperator<String> get = name -> {
            String v = env.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        };
        List<Provider> providers = new ArrayList<>();
        String providersFile = get.apply("SPENDGATE_PROVIDERS_FILE");
        if (providersFile != null) {
            providers.addAll(readProviders(Path.of(providersFile), env));
        }
        providers.add(new Provider(
                "openai",
                ApiFormat.OPENAI,
                orDefault(get.apply("SPENDGATE_OPENAI_BASE_URL"), DEFAULT_OPENAI_BASE_URL),
                get.apply("OPENAI_API_KEY"),
                List.of("*"),
                "openai"));
        providers.add(new Provider(
                "anthropic",
                ApiFormat.ANTHROPIC,
                orDefault(get.apply("SPENDGATE_ANTHROPIC_BASE_URL"), DEFAULT_ANTHROPIC_BASE_URL),
                get.apply("ANTHROPIC_API_KEY"),
                List.of("*"),
                "anthropic"));
        String overrides = get.apply("SPENDGATE_PRICING_OVERRIDES");
        return new ProxyConfig(
                providers,
                overrides == null ? null : Path.of(overrides),
                positiveLong(get.apply("SPENDGATE_MAX_BODY_BYTES"), 10L * 1024 * 1024, "SPENDGATE_MAX_BODY_BYTES"),
                Duration.ofSeconds(positiveLong(
                        get.apply("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS"), 600, "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS")),
                (int) positiveLong(get.apply("SPENDGATE_FLUSH_MAX_RECORDS"), 500, "SPENDGATE_FLUSH_MAX_RECORDS"),
                Duration.ofMillis(
                        positiveLong(get.apply("SPENDGATE_FLUSH_INTERVAL_MS"), 1000, "SPENDGATE_FLUSH_INTERVAL_MS")),
                env);
    }

    /** The same configuration with provider keys taken from {@code keys} (names like {@code OPENAI_API_KEY}). */
    public ProxyConfig withProviderKeys(Map<String, String> keys) {
        List<Provider> updated = new ArrayList<>();
        for (Provider p : providers) {
            String name = p.name().toUpperCase(Locale.ROOT).replace('-', '_') + "_API_KEY";
            String key = keys.get(name);
            updated.add(
                    key == null
                            ? p
                            : new Provider(p.name(), p.format(), p.baseUrl(), key, p.models(), p.pricingProvider()));
        }
        return new ProxyConfig(
                updated, pricingOverrides, maxBodyBytes, upstreamTimeout, flushMaxRecords, flushInterval, env);
    }

    /** A whole-number setting, 0 or more; {@code fallback} when unset. */
    public long number(String name, long fallback) {
        String value = get(name);
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of 0 or more, got '" + value + "'");
        }
    }

    public String get(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * Extra providers: a JSON array of {@code {"name", "format": "openai"|"anthropic", "base_url", "api_key_env",
     * "models": ["mistral-*"], "pricing_provider"}}. They are tried before the built-in OpenAI and Anthropic ones.
     */
    static List<Provider> readProviders(Path file, Map<String, String> env) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SPENDGATE_PROVIDERS_FILE " + file, e);
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("SPENDGATE_PROVIDERS_FILE must hold a JSON array of providers");
        }
        List<Provider> providers = new ArrayList<>();
        for (JsonNode p : root) {
            List<String> models = new ArrayList<>();
            p.path("models").forEach(m -> models.add(m.asText()));
            String keyEnv = p.path("api_key_env").asText(null);
            providers.add(new Provider(
                    required(p, "name"),
                    ApiFormat.valueOf(required(p, "format").toUpperCase(Locale.ROOT)),
                    required(p, "base_url"),
                    keyEnv == null ? null : env.get(keyEnv),
                    models,
                    p.path("pricing_provider").asText(null)));
        }
        return providers;
    }

    private static String required(JsonNode node, String field) {
        String v = node.path(field).asText(null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("a provider in SPENDGATE_PROVIDERS_FILE is missing '" + field + "'");
        }
        return v;
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static long positiveLong(String value, long fallback, String name) {
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive whole number, got '" + value + "'");
        }
    }
}
