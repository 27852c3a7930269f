package dev.spendgate.function.proxy.upstream;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An upstream the gateway forwards to. {@code models} are glob patterns ({@code *} matches anything) of the model
 * names routed here; {@code pricingProvider} names the catalog provider whose prices apply. {@code auth} says how the
 * gateway authenticates to it ({@code signer} signs when it is {@link UpstreamAuth#SIGV4}); {@code azure}, when set,
 * builds Azure OpenAI deployment URLs instead of appending the endpoint's path to {@code baseUrl}.
 */
public record Provider(
        String name,
        ApiFormat format,
        String baseUrl,
        String apiKey,
        List<String> models,
        String pricingProvider,
        UpstreamAuth auth,
        AzureDeployments azure,
        AwsSigV4Signer signer) {

    public Provider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(baseUrl, "baseUrl of provider " + name);
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        models = models == null ? List.of() : List.copyOf(models);
        pricingProvider = pricingProvider == null ? name : pricingProvider;
        auth = auth == null ? UpstreamAuth.defaultFor(format) : auth;
        if (auth == UpstreamAuth.SIGV4 && signer == null) {
            throw new IllegalArgumentException("provider " + name + " signs with SigV4 but has no signer");
        }
        if (azure != null && format != ApiFormat.OPENAI) {
            throw new IllegalArgumentException("provider " + name + ": Azure deployment URLs need format openai");
        }
    }

    /** A provider with its format's default authentication and plain URLs. */
    public Provider(
            String name, ApiFormat format, String baseUrl, String apiKey, List<String> models, String pricingProvider) {
        this(name, format, baseUrl, apiKey, models, pricingProvider, null, null, null);
    }

    /** The same provider with another API key. */
    public Provider withApiKey(String key) {
        return new Provider(name, format, baseUrl, key, models, pricingProvider, auth, azure, signer);
    }

    public boolean serves(String model) {
        for (String pattern : models) {
            if (glob(pattern, model)) {
                return true;
            }
        }
        return false;
    }

    /** True when the provider needs a key and none is configured. */
    public boolean missingKey() {
        return auth.needsKey() && (apiKey == null || apiKey.isBlank());
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "Provider[name=" + name + ", format=" + format + ", baseUrl=" + baseUrl + ", auth=" + auth
                + ", apiKey=" + (apiKey == null || apiKey.isEmpty() ? "(none)" : "(set)") + ", models=" + models
                + (azure == null ? "" : ", azure=" + azure) + "]";
    }

    private static boolean glob(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        String regex = ("\\Q" + pattern + "\\E").replace("*", "\\E.*\\Q");
        return value.matches(regex);
    }

    /**
     * Azure OpenAI's deployment URLs: {@code {baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=..}.
     * The deployment is {@code deployments.get(model)}, else the model name itself.
     */
    public record AzureDeployments(String apiVersion, Map<String, String> deployments) {
        public AzureDeployments {
            Objects.requireNonNull(apiVersion, "api_version");
            deployments = deployments == null ? Map.of() : Map.copyOf(deployments);
        }

        public String deployment(String model) {
            return deployments.getOrDefault(model, model);
        }
    }
}
