package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.usage.SseDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * InvokeModelWithResponseStream wraps each model event in a {@code chunk} event whose payload is
 * {@code {"bytes": base64}}; for Anthropic models the bytes are the Messages stream's events. This unwraps them and
 * passes each one on under its {@code type}, as the Messages SSE stream would, and hands Bedrock's
 * {@code amazon-bedrock-invocationMetrics} (in the last chunk, for every model) to {@code metrics}.
 */
public final class InvokeStreamChunks implements SseDecoder.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private static final String METRICS = "amazon-bedrock-invocationMetrics";

    private final SseDecoder.Listener target;
    private final InvocationMetrics metrics;

    public InvokeStreamChunks(SseDecoder.Listener target, InvocationMetrics metrics) {
        this.target = target;
        this.metrics = metrics;
    }

    @Override
    public void onEvent(String event, String data) {
        if (!"chunk".equals(event)) {
            return;
        }
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
        target.onEvent(type(inner), inner);
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
