package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;

/**
 * Whether an answer was stopped by a safety filter, the model's refusal classifier or unparseable model output rather
 * than finished: Chat Completions {@code finish_reason: "content_filter"} on any choice (OpenAI, Azure OpenAI),
 * Anthropic Messages (and Claude on Bedrock InvokeModel) {@code stop_reason: "refusal"}, Bedrock Converse
 * {@code stopReason} {@code guardrail_intervened}, {@code content_filtered}, {@code malformed_model_output} or
 * {@code malformed_tool_use}, a Responses object's {@code incomplete_details.reason: "content_filter"}. Such an answer
 * is often cut mid-sentence, and a filter's verdict is not the model's answer to keep: Anthropic asks that a refused
 * turn be changed or retried on another model; a Converse answer whose output or tool call Bedrock could not parse is
 * one the app retries, and a kept copy would be what every retry got. Reads the top level and the choices' finish
 * reasons only, skipping the rest, so a long answer costs one pass and no tree.
 */
final class FilteredAnswer {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> STOPS = Set.of(
            "refusal", "guardrail_intervened", "content_filtered", "malformed_model_output", "malformed_tool_use");
    private static final String CONTENT_FILTER = "content_filter";

    private FilteredAnswer() {}

    /** True for an answer a filter or refusal stopped; false for any other (and for one that is not JSON). */
    static boolean in(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                boolean filtered =
                        switch (name) {
                            case "stop_reason", "stopReason" ->
                                value == JsonToken.VALUE_STRING && STOPS.contains(p.getText());
                            case "choices" -> value == JsonToken.START_ARRAY && anyChoiceFiltered(p);
                            case "incomplete_details" ->
                                value == JsonToken.START_OBJECT && field(p, "reason", CONTENT_FILTER);
                            default -> false;
                        };
                if (filtered) {
                    return true;
                }
                p.skipChildren(); // a no-op where the value was read to its end
            }
            return false;
        } catch (IOException e) {
            return false; // not JSON: TopLevelError keeps it out
        }
    }

    /** Reads a {@code choices} array to its end: whether a choice finished with {@code content_filter}. */
    private static boolean anyChoiceFiltered(JsonParser p) throws IOException {
        boolean filtered = false;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
            if (t == JsonToken.START_OBJECT) {
                filtered |= field(p, "finish_reason", CONTENT_FILTER);
            } else {
                p.skipChildren();
            }
        }
        return filtered;
    }

    /** Reads an object to its end: whether its field {@code name} is the string {@code wanted}. */
    private static boolean field(JsonParser p, String name, String wanted) throws IOException {
        boolean found = false;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals(name) && value == JsonToken.VALUE_STRING && wanted.equals(p.getText())) {
                found = true;
            }
            p.skipChildren();
        }
        return found;
    }
}
