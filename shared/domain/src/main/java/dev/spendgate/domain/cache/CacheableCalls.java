package dev.spendgate.domain.cache;

import java.util.Optional;
import java.util.Set;

/**
 * Which calls the response cache can answer at all, whatever the feature's rule: the gateway's lookup bypasses the
 * others, and the policy replay leaves them alone, from this one rule. Answers are kept for Chat Completions and
 * Messages (streamed or not), the Responses API, Bedrock Converse and InvokeModel; a streamed call is answered only
 * where a kept answer can be replayed as the provider's stream (Chat Completions and Messages: the Responses API's
 * typed events and Bedrock's binary event stream are not rebuilt). Embeddings and batches are never kept.
 */
public final class CacheableCalls {
    private static final Set<String> KEPT =
            Set.of("chat.completions", "messages", "responses", "bedrock.converse", "bedrock.invoke");
    private static final Set<String> STREAM_REPLAYED = Set.of("chat.completions", "messages");

    private CacheableCalls() {}

    /** Whether answers of this endpoint (as recorded: {@code chat.completions}, {@code messages}, ...) are kept. */
    public static boolean kept(String endpoint) {
        return endpoint != null && KEPT.contains(endpoint);
    }

    /** Whether a kept answer of this endpoint can be sent as the provider's stream. */
    public static boolean streamReplayed(String endpoint) {
        return endpoint != null && STREAM_REPLAYED.contains(endpoint);
    }

    /**
     * Why the cache never answers such a call: {@code endpoint} (its answers are not kept) or {@code stream} (streamed,
     * and not replayed as its stream); empty when a cache rule may answer it. A record without its endpoint (hand-made,
     * or damaged) is not known to be bypassed: empty, so the detectors and the replay judge it as they did before they
     * asked.
     */
    public static Optional<String> bypass(String endpoint, boolean stream) {
        if (endpoint == null) {
            return Optional.empty();
        }
        if (!kept(endpoint)) {
            return Optional.of("endpoint");
        }
        if (stream && !streamReplayed(endpoint)) {
            return Optional.of("stream");
        }
        return Optional.empty();
    }
}
