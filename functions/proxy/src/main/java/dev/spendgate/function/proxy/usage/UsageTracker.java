package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a provider response (whole JSON body, or SSE events as they pass) for token usage and the served model,
 * following each provider's token semantics. Events that cannot carry usage are kept raw and parsed only if the
 * stream is cut and its text must be counted.
 */
public abstract class UsageTracker implements SseDecoder.Listener {
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    protected String modelServed;
    protected String serviceTier;
    protected String inferenceGeo;
    private final List<String> deltas = new ArrayList<>();

    public static UsageTracker forEndpoint(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS -> new OpenAiChatUsageTracker();
            case RESPONSES -> new OpenAiResponsesUsageTracker();
            case EMBEDDINGS -> new OpenAiEmbeddingsUsageTracker();
            case MESSAGES -> new AnthropicUsageTracker();
        };
    }

    /** A complete non-streamed response body. */
    public final void onBody(byte[] body) {
        JsonNode root = parse(body);
        if (root != null) {
            readBody(root);
        }
    }

    @Override
    public final void onEvent(String event, String data) {
        if (isDelta(event, data)) {
            deltas.add(data);
        } else {
            JsonNode node = parse(data);
            if (node != null) {
                readEvent(event, node);
            }
        }
    }

    public final TrackedUsage result() {
        StringBuilder text = new StringBuilder();
        for (String delta : deltas) {
            JsonNode node = parse(delta);
            if (node != null) {
                appendDeltaText(node, text);
            }
        }
        return usage(text.toString()).withBilling(serviceTier, inferenceGeo);
    }

    protected abstract void readBody(JsonNode root);

    /** True for events that carry only content (kept raw); they are never the usage event. */
    protected abstract boolean isDelta(String event, String data);

    protected abstract void readEvent(String event, JsonNode node);

    protected abstract void appendDeltaText(JsonNode delta, StringBuilder text);

    protected abstract TrackedUsage usage(String streamedText);

    protected void rememberModel(JsonNode node) {
        if (modelServed == null && node.hasNonNull("model")) {
            modelServed = node.get("model").asText();
        }
    }

    /** Keeps the served tier the node names in {@code field} (the last one seen wins: the final event is exact). */
    protected void rememberServiceTier(JsonNode node, String field) {
        JsonNode tier = node.get(field);
        if (tier != null && tier.isTextual() && !tier.asText().isBlank()) {
            serviceTier = tier.asText();
        }
    }

    static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static JsonNode parse(String data) {
        if (data.isEmpty() || data.charAt(0) != '{') {
            return null;
        }
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            return null;
        }
    }

    static void appendText(JsonNode node, StringBuilder text) {
        if (node != null && node.isTextual()) {
            text.append(node.asText());
        }
    }
}
