package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.Headers;

/** Anthropic's Messages API: forwarded with an {@code anthropic-version} when the client sent none. */
final class AnthropicApi extends JsonBodyApi {
    static final String DEFAULT_VERSION = "2023-06-01";

    AnthropicApi(Endpoint endpoint) {
        super(endpoint);
    }

    @Override
    public void addRequiredHeaders(Headers out) {
        if (!out.contains("anthropic-version")) {
            out.set("anthropic-version", DEFAULT_VERSION);
        }
    }
}
