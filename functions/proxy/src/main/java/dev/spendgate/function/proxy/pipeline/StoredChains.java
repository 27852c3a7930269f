package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The input a stored OpenAI response carries into a call that continues it. OpenAI bills a call naming
 * {@code previous_response_id} for "all previous input tokens for responses in the chain" (its conversation-state
 * guide): the previous response's input and output become this call's input. When such a call's stream is cut before
 * its usage came, the gateway estimates its input as the body's plus the chain's, from the usage the provider reported
 * for the previous response through this gateway (a lower bound: what the chain carried, never the model's whole
 * context window, which a worst-case reservation assumes). Kept in memory, the most recent {@value #MAX_RESPONSES} responses:
 * a chain begun before a restart, through another instance, or continued by {@code conversation} or a stored prompt is
 * not known, and its estimate counts the body alone.
 */
final class StoredChains {
    /** Responses remembered (about 150 bytes each: ~3 MB at most). */
    static final int MAX_RESPONSES = 20_000;

    private final Map<String, Long> chainTokens = new LinkedHashMap<>(1_024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_RESPONSES;
        }
    };

    /**
     * Remembers what a call continuing response {@code id} is billed again: its input and its output, less the
     * reasoning tokens (reasoning items are not carried into later turns' context, OpenAI's reasoning guide).
     */
    void remember(String id, TokenUsage reported) {
        if (id == null || reported == null) {
            return;
        }
        long carried = reported.inputTokens() + reported.outputTokens() - reported.reasoningTokens();
        synchronized (chainTokens) {
            chainTokens.put(id, carried);
        }
    }

    /** The input tokens a Responses body continuing a stored response is billed for it; empty when not known. */
    OptionalLong carriedInto(JsonNode body) {
        JsonNode previous = body == null ? null : body.get("previous_response_id");
        if (previous == null || !previous.isTextual()) {
            return OptionalLong.empty();
        }
        Long carried;
        synchronized (chainTokens) {
            carried = chainTokens.get(previous.asText());
        }
        return carried == null ? OptionalLong.empty() : OptionalLong.of(carried);
    }
}
