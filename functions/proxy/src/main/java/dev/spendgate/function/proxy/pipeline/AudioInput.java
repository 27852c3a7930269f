package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Whether a request sends audio: an {@code input_audio} part (OpenAI chat, Gemini's OpenAI-compatible endpoint), a
 * {@code data:audio/...} URL, or media whose declared type is {@code audio/*} (Gemini's {@code mimeType}, a
 * {@code media_type}). Providers bill audio input at rates of its own (gemini-2.5-flash $1.00 per 1M audio tokens
 * against $0.30 for text), which the pricing catalog does not have.
 */
final class AudioInput {
    private static final java.util.List<String> CONVERSATION_FIELDS =
            java.util.List.of("messages", "input", "contents");
    private static final Set<String> MEDIA_TYPE_FIELDS = Set.of("mimeType", "mime_type", "media_type", "mediaType");

    private AudioInput() {}

    /**
     * Only what a request sends as conversation is looked at: chat {@code messages}, Responses {@code input}, Gemini
     * {@code contents}. Tool definitions, {@code response_format} and {@code metadata} describe data, they send none
     * (a tool with a parameter named {@code input_audio} is no audio).
     */
    static boolean sent(JsonNode body) {
        if (body == null || !body.isObject()) {
            return false;
        }
        Deque<JsonNode> pending = new ArrayDeque<>();
        for (String conversation : CONVERSATION_FIELDS) {
            JsonNode sent = body.get(conversation);
            if (sent != null) {
                pending.push(sent);
            }
        }
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isArray()) {
                node.forEach(pending::push);
            } else if (node.isObject()) {
                if ("input_audio".equals(node.path("type").asText()) || node.has("input_audio")) {
                    return true;
                }
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    JsonNode value = field.getValue();
                    if (value.isTextual() && audioType(field.getKey(), value.asText())) {
                        return true;
                    }
                    if (value.isContainerNode()) {
                        pending.push(value);
                    }
                }
            } else if (node.isTextual() && node.asText().startsWith("data:audio/")) {
                return true;
            }
        }
        return false;
    }

    private static boolean audioType(String field, String value) {
        return value.startsWith("data:audio/") || (MEDIA_TYPE_FIELDS.contains(field) && value.startsWith("audio/"));
    }
}
