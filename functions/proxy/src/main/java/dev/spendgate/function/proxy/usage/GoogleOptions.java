package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * Gemini's own options on a call to its OpenAI-compatible endpoint: the {@code google} object Google documents under
 * {@code extra_body} (ai.google.dev/gemini-api/docs/openai, "extra_body": {@code cached_content}, {@code
 * thinking_config}). On the wire it comes either as {@code "extra_body": {"google": {...}}} (the documented Python
 * form, {@code extra_body={"extra_body": {"google": ...}}}) or at the top level as {@code "google": {...}} (an OpenAI
 * SDK's {@code extra_body} merged into the body); both are read, the {@code extra_body} one first.
 */
public final class GoogleOptions {
    private GoogleOptions() {}

    /** The option {@code name} of the body's {@code google} object, or a missing node when the body sets none. */
    public static JsonNode get(JsonNode body, String name) {
        if (body == null || !body.isObject()) {
            return MissingNode.getInstance();
        }
        JsonNode nested = body.path("extra_body").path("google").path(name);
        return nested.isMissingNode() || nested.isNull() ? body.path("google").path(name) : nested;
    }
}
