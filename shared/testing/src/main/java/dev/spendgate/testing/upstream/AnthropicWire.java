package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON bodies of the Anthropic Messages API. */
final class AnthropicWire {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AnthropicWire() {}

    /** The full Message; with {@code streaming} it is the {@code message_start} form (no content, no stop reason). */
    static ObjectNode message(Call call, String id, boolean streaming) {
        ObjectNode body = JSON.objectNode();
        body.put("id", id);
        body.put("type", "message");
        body.put("role", "assistant");
        body.put("model", call.model());
        var content = body.putArray("content");
        if (!streaming) {
            content.add(textBlock(call.text()));
        }
        if (streaming) {
            body.putNull("stop_reason");
        } else {
            body.put("stop_reason", "end_turn");
        }
        body.putNull("stop_sequence");
        body.set("usage", usage(call, streaming ? 1 : call.outputTokens()));
        return body;
    }

    static ObjectNode usage(Call call, int outputTokens) {
        Behavior behavior = call.behavior();
        ObjectNode usage = JSON.objectNode();
        usage.put("input_tokens", call.inputTokens());
        usage.put("cache_creation_input_tokens", behavior.cacheWrite5mTokens() + behavior.cacheWrite1hTokens());
        usage.put("cache_read_input_tokens", behavior.cachedTokens());
        ObjectNode cacheCreation = usage.putObject("cache_creation");
        cacheCreation.put("ephemeral_5m_input_tokens", behavior.cacheWrite5mTokens());
        cacheCreation.put("ephemeral_1h_input_tokens", behavior.cacheWrite1hTokens());
        usage.put("output_tokens", outputTokens);
        usage.put("service_tier", call.anthropicServiceTier());
        if (call.request().hasNonNull("inference_geo")) {
            usage.put("inference_geo", call.request().get("inference_geo").asText());
        }
        // fast mode (platform.claude.com/docs/en/build-with-claude/fast-mode): the usage says which speed served it
        usage.put("speed", "fast".equals(call.request().path("speed").asText()) ? "fast" : "standard");
        long searches = webSearches(call.request());
        if (searches > 0) {
            // as Anthropic reports the server tool's runs: billed at $10 per 1,000 on top of the tokens
            usage.putObject("server_tool_use").put("web_search_requests", searches);
        }
        return usage;
    }

    /** The web searches the server tool runs for a request: each web_search tool's max_uses (1 when unset). */
    static long webSearches(com.fasterxml.jackson.databind.JsonNode request) {
        long searches = 0;
        for (com.fasterxml.jackson.databind.JsonNode tool : request.path("tools")) {
            if (tool.path("type").asText().startsWith("web_search")) {
                searches += tool.path("max_uses").asLong(1);
            }
        }
        return searches;
    }

    static ObjectNode textBlock(String text) {
        ObjectNode block = JSON.objectNode();
        block.put("type", "text");
        block.put("text", text);
        return block;
    }

    static ObjectNode messageStart(Call call, String id) {
        ObjectNode event = event("message_start");
        event.set("message", message(call, id, true));
        return event;
    }

    static ObjectNode contentBlockStart() {
        ObjectNode event = event("content_block_start");
        event.put("index", 0);
        event.set("content_block", textBlock(""));
        return event;
    }

    static ObjectNode ping() {
        return event("ping");
    }

    static ObjectNode textDelta(String piece) {
        ObjectNode event = event("content_block_delta");
        event.put("index", 0);
        ObjectNode delta = event.putObject("delta");
        delta.put("type", "text_delta");
        delta.put("text", piece);
        return event;
    }

    static ObjectNode contentBlockStop() {
        ObjectNode event = event("content_block_stop");
        event.put("index", 0);
        return event;
    }

    static ObjectNode messageDelta(Call call) {
        ObjectNode event = event("message_delta");
        ObjectNode delta = event.putObject("delta");
        delta.put("stop_reason", "end_turn");
        delta.putNull("stop_sequence");
        ObjectNode usage = event.putObject("usage").put("output_tokens", call.outputTokens());
        long searches = webSearches(call.request());
        if (searches > 0) {
            usage.putObject("server_tool_use").put("web_search_requests", searches); // cumulative, as Anthropic sends
        }
        return event;
    }

    static ObjectNode messageStop() {
        return event("message_stop");
    }

    static ObjectNode error(String type, String message, String requestId) {
        ObjectNode body = JSON.objectNode();
        body.put("type", "error");
        ObjectNode error = body.putObject("error");
        error.put("type", type);
        error.put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    /** The body real Anthropic sends for {@code status} when the test did not supply one. */
    static ObjectNode defaultError(int status, String requestId) {
        return switch (status) {
            case 400 -> error("invalid_request_error", "Invalid request (fake upstream).", requestId);
            case 401 -> error("authentication_error", "invalid x-api-key", requestId);
            case 403 ->
                error(
                        "permission_error",
                        "Your API key does not have permission to use the specified resource.",
                        requestId);
            case 404 -> error("not_found_error", "The requested resource could not be found.", requestId);
            case 413 -> error("request_too_large", "Request exceeds the maximum allowed number of bytes.", requestId);
            case 429 ->
                error(
                        "rate_limit_error",
                        "Number of requests has exceeded your rate limit (fake upstream).",
                        requestId);
            case 529 -> error("overloaded_error", "Overloaded", requestId);
            default ->
                status >= 500
                        ? error("api_error", "Internal server error", requestId)
                        : error("invalid_request_error", "Request failed (fake upstream).", requestId);
        };
    }

    private static ObjectNode event(String type) {
        return JSON.objectNode().put("type", type);
    }
}
