package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.usage.SseDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * InvokeModelWithResponseStream wraps each model event in a {@code chunk} event whose payload is
 * {@code {"bytes": base64}}; for Anthropic models the bytes are the Messages stream's events. This unwraps them and
 * passes each one on under its {@code type}, as the Messages SSE stream would, and hands Bedrock's
 * {@code amazon-bedrock-invocationMetrics} (in the last chunk, for every model) to {@code metrics}. A chunk of another
 * model family (no {@code type}) that carries text, reasoning or tool-call arguments is passed on as a
 * {@code content_block_delta} with that text, so a stream cut before its metrics chunk is estimated from what was relayed. An exception event
 * ({@code exception:throttlingException}, ...) before any chunk means nothing was served: {@link #unservedException}.
 */
public final class InvokeStreamChunks implements SseDecoder.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private static final String METRICS = "amazon-bedrock-invocationMetrics";
    private static final String CONTENT_DELTA = "content_block_delta";
    private static final String EXCEPTION_EVENT = "exception:";

    private final SseDecoder.Listener target;
    private final InvocationMetrics metrics;
    private boolean sawChunk;
    private String exception;

    public InvokeStreamChunks(SseDecoder.Listener target, InvocationMetrics metrics) {
        this.target = target;
        this.metrics = metrics;
    }

    @Override
    public void onEvent(String event, String data) {
        if (event != null && event.startsWith(EXCEPTION_EVENT)) {
            String name = event.substring(EXCEPTION_EVENT.length());
            if (exception == null && !name.isBlank()) {
                exception = name;
            }
            return;
        }
        if (!"chunk".equals(event)) {
            return;
        }
        sawChunk = true;
        String inner;
        try {
            JsonNode chunk = JSON.readTree(data);
            JsonNode bytes = chunk == null ? null : chunk.get("bytes");
            if (bytes == null || !bytes.isTextual()) {
                return;
            }
            inner = new String(Base64.getDecoder().decode(bytes.asText()), StandardCharsets.UTF_8);
        } catch (IOException | IllegalArgumentException e) {
            return;
        }
        if (inner.contains(METRICS)) {
            try {
                JsonNode parsed = JSON.readTree(inner);
                if (parsed != null && parsed.path(METRICS).isObject()) {
                    metrics.readMetrics(parsed.get(METRICS));
                }
            } catch (IOException e) {
                // not JSON: no metrics
            }
        }
        String type = type(inner);
        if (type == null) {
            String text = otherFamilyText(inner);
            if (!text.isEmpty()) {
                // kept as the Messages stream keeps content: counted when the call is cut before its metrics
                ObjectNode delta = JSON.createObjectNode();
                delta.putObject("delta").put("text", text);
                target.onEvent(CONTENT_DELTA, delta.toString());
                return;
            }
        }
        target.onEvent(type, inner);
    }

    /**
     * The exception the stream ended with when no chunk came before it (Bedrock served nothing and bills nothing, as
     * ConverseStream's {@code throttlingException} before any event); else null.
     */
    public String unservedException() {
        return sawChunk ? null : exception;
    }

    /** The exception the stream ended with after a chunk (what was served is billed, estimated); else null. */
    public String exceptionAfterContent() {
        return sawChunk ? exception : null;
    }

    /**
     * The billed output a chunk of a model family other than Anthropic's carries: Llama {@code generation}, Titan
     * {@code outputText}, Nova {@code contentBlockDelta.delta.text} (its reasoning, {@code reasoningContent.text}, and a
     * tool call's arguments, {@code toolUse.input}, as ConverseStream counts them), Mistral {@code outputs[].text},
     * OpenAI-style {@code choices[].delta.content} (with its reasoning and its tool calls' {@code function.arguments}),
     * Cohere {@code text}; empty when none.
     */
    private static String otherFamilyText(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            return "";
        }
        if (node == null || !node.isObject()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        append(node.get("generation"), text);
        append(node.get("outputText"), text);
        append(node.get("text"), text);
        JsonNode novaDelta = node.path("contentBlockDelta").path("delta");
        append(novaDelta.get("text"), text);
        append(novaDelta.path("reasoningContent").get("text"), text);
        append(novaDelta.path("toolUse").get("input"), text);
        append(node.path("contentBlockStart").path("start").path("toolUse").get("name"), text);
        for (JsonNode output : node.path("outputs")) {
            append(output.get("text"), text);
        }
        for (JsonNode choice : node.path("choices")) {
            JsonNode delta = choice.path("delta");
            append(delta.get("content"), text);
            append(delta.get("reasoning_content"), text);
            append(delta.get("reasoning"), text);
            for (JsonNode call : delta.path("tool_calls")) {
                append(call.path("function").get("name"), text);
                append(call.path("function").get("arguments"), text);
            }
        }
        return text.toString();
    }

    private static void append(JsonNode value, StringBuilder text) {
        if (value != null && value.isTextual()) {
            text.append(value.asText());
        }
    }

    /** The top-level {@code type} of an event, read without building the whole tree. */
    private static String type(String json) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
                    return parser.getText();
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
