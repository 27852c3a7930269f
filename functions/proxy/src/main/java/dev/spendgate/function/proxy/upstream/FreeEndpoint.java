package dev.spendgate.function.proxy.upstream;

import dev.spendgate.domain.usage.FreeEndpoints;
import java.util.Optional;

/**
 * The providers' free endpoints Spendgate relays ({@link FreeApi}): they are answered without charge, so a call is
 * recorded with no cost and reserves no budget.
 *
 * <ul>
 *   <li>Anthropic's token counting, {@code POST /v1/messages/count_tokens}: "Token counting is free to use"
 *       (docs.anthropic.com/en/docs/build-with-claude/token-counting). Claude Code calls it against a custom
 *       {@code ANTHROPIC_BASE_URL} to decide when to compact.
 *   <li>OpenAI's input token counts, {@code POST /v1/responses/input_tokens}: the Responses body's input tokens,
 *       answered without generating anything (its API reference: "Returns input token counts of the request"); no
 *       price is published for it, so it is relayed as Anthropic's token count is.
 *   <li>OpenAI's moderation, {@code POST /v1/moderations}: "The moderations endpoint is free to use"
 *       (platform.openai.com/docs/guides/moderation); its {@code model} defaults to {@code omni-moderation-latest}.
 * </ul>
 */
public enum FreeEndpoint {
    COUNT_TOKENS(
            "/v1/messages/count_tokens",
            ApiFormat.ANTHROPIC,
            FreeEndpoints.COUNT_TOKENS,
            "/v1/messages/count_tokens",
            Endpoint.MESSAGES,
            null),
    RESPONSES_INPUT_TOKENS(
            "/v1/responses/input_tokens",
            ApiFormat.OPENAI,
            FreeEndpoints.RESPONSES_INPUT_TOKENS,
            "/responses/input_tokens",
            Endpoint.RESPONSES,
            null),
    MODERATIONS(
            "/v1/moderations",
            ApiFormat.OPENAI,
            FreeEndpoints.MODERATIONS,
            "/moderations",
            Endpoint.EMBEDDINGS,
            "omni-moderation-latest");

    private final String path;
    private final ApiFormat format;
    private final String recordName;
    private final String upstreamSuffix;
    private final Endpoint bodyLike;
    private final String defaultModel;

    FreeEndpoint(
            String path,
            ApiFormat format,
            String recordName,
            String upstreamSuffix,
            Endpoint bodyLike,
            String defaultModel) {
        this.path = path;
        this.format = format;
        this.recordName = recordName;
        this.upstreamSuffix = upstreamSuffix;
        this.bodyLike = bodyLike;
        this.defaultModel = defaultModel;
    }

    /** The free endpoint for a request path (also without {@code /v1}, as {@link Endpoint#forPath} takes it). */
    public static Optional<FreeEndpoint> forPath(String requestPath) {
        String p = requestPath;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        for (FreeEndpoint e : values()) {
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

    /** What to append to the provider's base URL, as {@link Endpoint#upstreamSuffix()}. */
    public String upstreamSuffix() {
        return upstreamSuffix;
    }

    /** The billed endpoint whose body this one takes (a Messages body for a token count). */
    public Endpoint bodyLike() {
        return bodyLike;
    }

    /** The model the provider uses when the body names none; null when the body must name one. */
    public String defaultModel() {
        return defaultModel;
    }
}
