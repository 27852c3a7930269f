package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Whether a JSON answer carries a non-null top-level {@code error} (OpenAI-format gateways such as OpenRouter answer
 * an error during generation with HTTP 200 and {@code {"error": {...}}}; a Responses object's {@code "error": null}
 * is no error). Reads the top level only, skipping nested values, so a long answer costs one pass and no tree.
 */
final class TopLevelError {
    private static final JsonFactory JSON = new JsonFactory();

    private TopLevelError() {}

    /** True for an answer with a non-null top-level {@code error}, or one that is not a JSON object at all. */
    static boolean in(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return true;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("error".equals(name) && value != JsonToken.VALUE_NULL) {
                    return true;
                }
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return true; // not an answer the cache could replay
        }
    }
}
