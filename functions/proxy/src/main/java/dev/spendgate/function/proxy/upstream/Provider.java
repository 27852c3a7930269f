package dev.spendgate.function.proxy.upstream;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An upstream the gateway forwards to. {@code models} are glob patterns ({@code *} matches anything) of the model
 * names routed here; {@code pricingProvider} names the catalog provider whose prices apply. {@code auth} says how the
 * gateway authenticates to it ({@code signer} signs when it is {@link UpstreamAuth#SIGV4}); {@code azure}, when set,
 * builds Azure OpenAI deployment URLs instead of appending the endpoint's path to {@code baseUrl}.
 * {@code streamUsageOption} says whether a streamed chat completion is forwarded asking for its usage
 * ({@code stream_options.include_usage}); see {@link #streamUsageOptionByDefault}.
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
        AwsSigV4Signer signer,
        boolean streamUsageOption) {

    public Provider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(baseUrl, "baseUrl of provider " + name);
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        // a key pasted into an env file or a secret often ends in a line end; the provider would refuse it
        apiKey = apiKey == null ? null : apiKey.trim();
        models = models == null ? List.of() : List.copyOf(models);
        pricingProvider = pricingProvider != null ? pricingProvider : defaultPricingProvider(name, format);
        auth = auth == null ? UpstreamAuth.defaultFor(format) : auth;
        if (auth == UpstreamAuth.SIGV4 && signer == null) {
            throw new IllegalArgumentException("provider " + name + " signs with SigV4 but has no signer");
        }
        if (azure != null && format != ApiFormat.OPENAI) {
            throw new IllegalArgumentException("provider " + name + ": Azure deployment URLs need format openai");
        }
    }

    /** The catalog provider whose prices apply when none is named. */
    static final String BEDROCK_CATALOG = "bedrock";

    /**
     * The catalog provider a provider prices by when its entry names none: its own name, except that every
     * {@code bedrock}-format provider (one per region, such as the README's {@code bedrock-eu}) serves Bedrock's models
     * at Bedrock's prices: the catalog's {@code bedrock} entries, whose inference-profile prefixes price as the base
     * model.
     */
    public static String defaultPricingProvider(String name, ApiFormat format) {
        return format == ApiFormat.BEDROCK ? BEDROCK_CATALOG : name;
    }

    /** A provider asking for stream usage unless it is known to refuse the option. */
    public Provider(
            String name,
            ApiFormat format,
            String baseUrl,
            String apiKey,
            List<String> models,
            String pricingProvider,
            UpstreamAuth auth,
            AzureDeployments azure,
            AwsSigV4Signer signer) {
        this(
                name,
                format,
                baseUrl,
                apiKey,
                models,
                pricingProvider,
                auth,
                azure,
                signer,
                streamUsageOptionByDefault(name, baseUrl, azure));
    }

    /** A provider with its format's default authentication and plain URLs. */
    public Provider(
            String name, ApiFormat format, String baseUrl, String apiKey, List<String> models, String pricingProvider) {
        this(name, format, baseUrl, apiKey, models, pricingProvider, null, null, null);
    }

    /** The same provider with another API key. */
    /** The name its key has in the provider keys secret and the environment: {@code OPENAI_API_KEY}, ... */
    public String keyName() {
        return keyName(name);
    }

    /** The Secrets Manager key of a provider named {@code name}: {@code azure-eu} reads {@code AZURE_EU_API_KEY}. */
    public static String keyName(String name) {
        return name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_API_KEY";
    }

    public Provider withApiKey(String key) {
        return new Provider(
                name, format, baseUrl, key, models, pricingProvider, auth, azure, signer, streamUsageOption);
    }

    /** The first Azure OpenAI API version that accepts {@code stream_options}; older ones answer 400. */
    static final String AZURE_STREAM_OPTIONS_SINCE = "2024-09-01";

    /**
     * Whether a provider is asked for stream usage when its file entry does not say: yes, except Mistral (a provider
     * named {@code mistral...} or at a {@code mistral.ai} host: its API refuses the field with 422
     * {@code extra_forbidden}, and streams usage in the last chunk unasked), OpenRouter (named {@code openrouter...} or
     * at an {@code openrouter.ai} host: it sends its usage-only chunk, with {@code usage.cost}, on every stream, the
     * option having "no effect", so a client must get that chunk as OpenRouter sent it rather than have it hidden as
     * one the gateway asked for) and Azure OpenAI API versions before {@value #AZURE_STREAM_OPTIONS_SINCE} (400
     * "Unrecognized request argument").
     */
    public static boolean streamUsageOptionByDefault(String name, String baseUrl, AzureDeployments azure) {
        if (azure != null) {
            String version = azure.apiVersion();
            boolean dated = version.length() >= 10 && Character.isDigit(version.charAt(0));
            return !dated || version.substring(0, 10).compareTo(AZURE_STREAM_OPTIONS_SINCE) >= 0;
        }
        return !isProvider(name, baseUrl, "mistral", "mistral.ai")
                && !isProvider(name, baseUrl, "openrouter", "openrouter.ai");
    }

    /** A provider named {@code prefix...} or whose base URL's host is {@code domain} or one of its subdomains. */
    private static boolean isProvider(String name, String baseUrl, String prefix, String domain) {
        if (name != null && name.toLowerCase(Locale.ROOT).startsWith(prefix)) {
            return true;
        }
        if (baseUrl == null) {
            return false;
        }
        try {
            String host = URI.create(baseUrl.trim()).getHost();
            return host != null
                    && (host.equalsIgnoreCase(domain)
                            || host.toLowerCase(Locale.ROOT).endsWith("." + domain));
        } catch (IllegalArgumentException e) {
            return false;
        }
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
                + (azure == null ? "" : ", azure=" + azure) + (streamUsageOption ? "" : ", streamUsageOption=false")
                + "]";
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

        /**
         * The model a response that names {@code reported} served. Azure's Responses API names the deployment the call
         * went to, not its model ("the Responses API ... returns only the deployment name, response.model =
         * "gpt-5-01"", where Chat Completions returns {@code gpt-5-2025-08-07}: learn.microsoft.com/en-us/answers,
         * 2026-01-02): that name is the model this mapping deploys under it. Any other name is the model served.
         */
        public String modelServed(String reported, String modelForwarded) {
            if (reported == null || modelForwarded == null) {
                return reported;
            }
            String deployment = deployment(modelForwarded);
            return reported.equals(deployment) && !deployment.equals(modelForwarded) ? modelForwarded : reported;
        }
    }
}
