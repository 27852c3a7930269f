package dev.spendgate.domain.routing;

import dev.spendgate.domain.attribution.Attribution;
import java.util.Objects;
import java.util.function.Function;

/**
 * What routing rules and cache settings look at in a call: its attribution, key, endpoint, the model asked for and a
 * few simple traits of the request. No prompt text.
 *
 * @param endpoint as recorded: {@code chat.completions}, {@code messages}, {@code bedrock.converse}, ...
 * @param promptTokens the request's estimated input tokens, counted only when a rule asks
 * @param maxOutputTokens the request's output cap, or null when it sets none
 * @param headers a request header's first value by name (case-insensitive), or null
 * @param sampleKey what a sampled rule draws on (the request id): the same key always gets the same draw
 */
public record RequestTraits(
        Attribution attribution,
        String keyId,
        String endpoint,
        String model,
        java.util.function.LongSupplier promptTokens,
        Long maxOutputTokens,
        boolean hasTools,
        Function<String, String> headers,
        String sampleKey) {

    public RequestTraits {
        attribution = attribution == null ? Attribution.NONE : attribution;
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(promptTokens, "promptTokens");
        headers = headers == null ? h -> null : headers;
        sampleKey = sampleKey == null ? "" : sampleKey;
    }
}
