package dev.spendgate.function.proxy.upstream;

import java.util.Locale;

/** How the gateway proves itself to a provider. */
public enum UpstreamAuth {
    /** {@code Authorization: Bearer KEY} (OpenAI and most OpenAI-compatible providers). */
    BEARER,
    /** {@code x-api-key: KEY} (Anthropic). */
    X_API_KEY,
    /** {@code api-key: KEY} (Azure OpenAI). */
    API_KEY,
    /** AWS Signature Version 4 with the gateway's own AWS credentials (Amazon Bedrock). */
    SIGV4,
    /** Nothing (a self-hosted vLLM or Ollama endpoint on a private network). */
    NONE;

    /** The default for a wire format. */
    public static UpstreamAuth defaultFor(ApiFormat format) {
        return switch (format) {
            case OPENAI -> BEARER;
            case ANTHROPIC -> X_API_KEY;
            case BEDROCK -> SIGV4;
        };
    }

    /** Parses the providers file spelling: {@code bearer}, {@code x-api-key}, {@code api-key}, {@code sigv4}, {@code none}. */
    public static UpstreamAuth parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "bearer" -> BEARER;
            case "x-api-key" -> X_API_KEY;
            case "api-key" -> API_KEY;
            case "sigv4" -> SIGV4;
            case "none" -> NONE;
            default ->
                throw new IllegalArgumentException(
                        "auth must be one of bearer, x-api-key, api-key, sigv4, none; got '" + value + "'");
        };
    }

    /** True when calls need an API key configured in Spendgate. */
    public boolean needsKey() {
        return this == BEARER || this == X_API_KEY || this == API_KEY;
    }
}
