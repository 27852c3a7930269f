package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.Headers;
import java.util.Objects;

/**
 * A complete answer a stage gives instead of the provider's (a response cache hit): sent as it is, with the request
 * id, after the call is recorded. The stage sets what the record should say (status, cost, usage) in the context.
 */
public record Answer(int status, Headers headers, byte[] body) {
    public Answer {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }
}
