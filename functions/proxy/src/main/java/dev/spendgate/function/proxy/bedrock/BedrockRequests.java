package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What the gateway reads from and adds to Bedrock request bodies. */
public final class BedrockRequests {
    /** Bedrock accepts at most 16 {@code requestMetadata} entries. */
    static final int MAX_METADATA_ENTRIES = 16;

    private BedrockRequests() {}

    /** A request field the gateway refuses before forwarding, and why. */
    public record Invalid(String field, String message) {}

    /** Checks the fields the gateway relies on; Bedrock validates the rest itself. */
    public static Optional<Invalid> validate(BedrockOperation operation, JsonNode body) {
        if (!operation.converse()) {
            return Optional.empty();
        }
        JsonNode messages = body.get("messages");
        if (messages != null && !messages.isArray()) {
            return Optional.of(new Invalid("messages", "'messages' must be an array of messages."));
        }
        JsonNode metadata = body.get("requestMetadata");
        if (metadata != null && !metadata.isObject()) {
            return Optional.of(new Invalid("requestMetadata", "'requestMetadata' must be an object of strings."));
        }
        JsonNode maxTokens = body.path("inferenceConfig").get("maxTokens");
        if (maxTokens != null && !maxTokens.canConvertToLong()) {
            return Optional.of(
                    new Invalid("inferenceConfig.maxTokens", "'inferenceConfig.maxTokens' must be an integer."));
        }
        return Optional.empty();
    }

    /** The request's text for token estimates and fingerprints (never stored). */
    public static PromptText prompt(BedrockOperation operation, JsonNode body) {
        if (!operation.converse()) {
            // InvokeModel bodies are the model's own: Anthropic Messages, Nova, or OpenAI Chat Completions (gpt-oss)
            PromptText messages = PromptText.of(Endpoint.MESSAGES, body);
            Long cap = invokeMaxTokens(body);
            return cap == null || cap.equals(messages.maxOutputTokens())
                    ? messages
                    : new PromptText(messages.system(), messages.prefix(), messages.full(), messages.messages(), cap);
        }
        String system = text(body.get("system"));
        StringBuilder all = new StringBuilder(system);
        String prefix = system;
        JsonNode messages = body.path("messages");
        int count = 0;
        for (JsonNode m : messages) {
            if (count == messages.size() - 1) {
                prefix = all.toString();
            }
            all.append('\n').append(m.path("role").asText()).append(": ").append(text(m.get("content")));
            count++;
        }
        JsonNode maxTokens = body.path("inferenceConfig").get("maxTokens");
        return new PromptText(
                system,
                prefix,
                all.toString(),
                count,
                maxTokens != null && maxTokens.canConvertToLong() ? maxTokens.asLong() : null);
    }

    /**
     * The output cap of an InvokeModel body, the largest it names: {@code max_tokens} (Anthropic Messages),
     * {@code max_completion_tokens} (OpenAI Chat Completions, gpt-oss), {@code inferenceConfig.maxTokens} (Nova 2) or
     * {@code inferenceConfig.max_new_tokens} (Nova 1); null when it names none. The largest, because the gateway cannot
     * tell which one the model obeys, and reserving less than the model may bill lets a budget admit what it cannot pay.
     */
    private static Long invokeMaxTokens(JsonNode body) {
        Long cap = null;
        JsonNode[] caps = {
            body.get("max_tokens"),
            body.get("max_completion_tokens"),
            body.path("inferenceConfig").get("maxTokens"),
            body.path("inferenceConfig").get("max_new_tokens")
        };
        for (JsonNode v : caps) {
            if (v != null && v.canConvertToLong()) {
                cap = cap == null ? v.asLong() : Math.max(cap, v.asLong());
            }
        }
        return cap;
    }

    /**
     * The Converse body with Spendgate's attribution and request id in {@code requestMetadata}, so Bedrock's model
     * invocation logs carry them ({@code spendgate_request_id}, {@code spendgate_feature}, ...). The {@code spendgate_}
     * names are the gateway's: a caller's entry under one is replaced by the gateway's value, or dropped when the call
     * has none (a forged {@code spendgate_request_id} would join a log line to another call's record, a forged
     * department charge the line to it). The caller's other entries are kept; nothing is added past Bedrock's limit of
     * 16. Returns empty when the body needs no change.
     */
    public static Optional<ObjectNode> withRequestMetadata(ObjectNode body, Attribution attribution, String requestId) {
        JsonNode existing = body.get("requestMetadata");
        if (existing != null && !existing.isObject()) {
            return Optional.empty();
        }
        ObjectNode metadata = existing == null ? body.objectNode() : ((ObjectNode) existing).deepCopy();
        Map<String, String> ours = metadata(attribution, requestId);
        boolean changed = false;
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().startsWith(PREFIX)
                    && !(entry.getValue().isTextual()
                            && entry.getValue().asText().equals(ours.get(entry.getKey())))) {
                it.remove();
                changed = true;
            }
        }
        for (Map.Entry<String, String> entry : ours.entrySet()) {
            if (metadata.has(entry.getKey())) {
                continue;
            }
            if (metadata.size() >= MAX_METADATA_ENTRIES) {
                break;
            }
            metadata.put(entry.getKey(), entry.getValue());
            changed = true;
        }
        if (!changed) {
            return Optional.empty();
        }
        // the top level and requestMetadata copied, the rest (messages, images, documents) shared with the client's
        // body: the copy is written upstream at once, and a deep one would double a large body's tree
        ObjectNode copy = body.objectNode();
        copy.setAll(body);
        copy.set("requestMetadata", metadata);
        return Optional.of(copy);
    }

    /** The names Spendgate writes in {@code requestMetadata}. */
    private static final String PREFIX = "spendgate_";

    /** The entries Spendgate adds, request id first (the one that joins a Bedrock log line to its usage record). */
    static Map<String, String> metadata(Attribution attribution, String requestId) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("spendgate_request_id", requestId);
        put(out, "spendgate_feature", attribution.feature());
        put(out, "spendgate_team", attribution.team());
        put(out, "spendgate_department", attribution.department());
        put(out, "spendgate_environment", attribution.environment());
        put(out, "spendgate_user", attribution.user());
        put(out, "spendgate_session", attribution.session());
        put(out, "spendgate_run", attribution.run());
        return out;
    }

    private static void put(Map<String, String> out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    /** Converse content: a list of blocks, each {@code {"text": ..}} or another kind (tool results nest content). */
    private static String text(JsonNode content) {
        if (content == null || !content.isArray()) {
            return content != null && content.isTextual() ? content.asText() : "";
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode block : content) {
            if (block.hasNonNull("text") && block.get("text").isTextual()) {
                out.append(block.get("text").asText());
            } else if (block.has("toolResult")) {
                out.append(text(block.path("toolResult").get("content")));
            } else if (block.has("toolUse")) {
                out.append(block.path("toolUse").path("input").toString());
            }
            out.append('\n');
        }
        return out.toString();
    }
}
