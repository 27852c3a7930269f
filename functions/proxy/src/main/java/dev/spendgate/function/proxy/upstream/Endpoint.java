package dev.spendgate.function.proxy.upstream;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The routes Spendgate serves, each in one provider's format. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", ApiFormat.OPENAI, "chat.completions", "/chat/completions"),
    RESPONSES("/v1/responses", ApiFormat.OPENAI, "responses", "/responses"),
    EMBEDDINGS("/v1/embeddings", ApiFormat.OPENAI, "embeddings", "/embeddings"),
    MESSAGES("/v1/messages", ApiFormat.ANTHROPIC, "messages", "/v1/messages");

    private final String path;
    private final ApiFormat format;
    private final String recordName;
    private final String upstreamSuffix;

    Endpoint(String path, ApiFormat format, String recordName, String upstreamSuffix) {
        this.path = path;
        this.format = format;
        this.recordName = recordName;
        this.upstreamSuffix = upstreamSuffix;
    }

    /** The endpoint for a request path ({@code /v1/chat/completions}, also without {@code /v1}). */
    public static Optional<Endpoint> forPath(String requestPath) {
        String p = requestPath;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        for (Endpoint e : values()) {
            if (e.path.equals(p) || e.path.substring(3).equals(p)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    public String path() {
        return path;
    }

    public ApiFormat format() {
        return format;
    }

    /** The value of the usage record's {@code endpoint} field. */
    public String recordName() {
        return recordName;
    }

    /**
     * What to append to the provider's base URL: OpenAI base URLs end in {@code /v1} by convention, Anthropic's do not.
     */
    public String upstreamSuffix() {
        return upstreamSuffix;
    }

    /**
     * The {@code model} a call on this endpoint names in the body sent to {@code provider}: {@code model}, except that
     * Azure OpenAI's Responses API takes the deployment name there ({@link #upstreamUri} has no deployment in its path).
     */
    public String modelSent(Provider provider, String model) {
        if (this == RESPONSES && provider != null && provider.azure() != null) {
            return provider.azure().deployment(model);
        }
        return model;
    }

    /**
     * Where a call on this endpoint goes at {@code provider}: its base URL plus {@link #upstreamSuffix()}, or for Azure
     * OpenAI {@code /openai/deployments/{deployment}/chat/completions?api-version=..} ({@code /openai/responses} for
     * the Responses API, which takes the deployment in the body's {@code model}).
     */
    public URI upstreamUri(Provider provider, String model) {
        Provider.AzureDeployments azure = provider.azure();
        if (azure == null) {
            return URI.create(provider.baseUrl() + upstreamSuffix);
        }
        String query = "?api-version=" + URLEncoder.encode(azure.apiVersion(), StandardCharsets.UTF_8);
        if (this == RESPONSES) {
            return URI.create(provider.baseUrl() + "/openai/responses" + query);
        }
        String deployment = URLEncoder.encode(azure.deployment(model), StandardCharsets.UTF_8)
                .replace("+", "%20");
        return URI.create(provider.baseUrl() + "/openai/deployments/" + deployment + upstreamSuffix + query);
    }
}
