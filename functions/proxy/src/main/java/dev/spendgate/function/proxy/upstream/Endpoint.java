package dev.spendgate.function.proxy.upstream;

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
}
