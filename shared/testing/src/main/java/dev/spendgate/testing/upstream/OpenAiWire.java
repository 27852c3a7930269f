package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;

/** JSON bodies of the OpenAI Chat Completions, Responses and Embeddings APIs. */
final class OpenAiWire {

    static final String SYSTEM_FINGERPRINT = "fp_f4k3u9s7r3";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int DEFAULT_DIMENSIONS = 8;
    private static final int MAX_DIMENSIONS = 4096;

    private OpenAiWire() {}

    // ---- Chat Completions -------------------------------------------------------------------------------------

    static ObjectNode chatCompletion(Call call, String id) {
        ObjectNode body = JSON.objectNode();
        body.put("id", id);
        body.put("object", "chat.completion");
        body.put("created", call.createdEpochSeconds());
        body.put("model", call.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", call.text());
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        body.set("usage", chatUsage(call));
        body.put("service_tier", call.openAiServiceTier());
        body.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return body;
    }

    static ObjectNode chatUsage(Call call) {
        int prompt = call.openAiPromptTokens();
        int completion = call.outputTokens();
        ObjectNode usage = JSON.objectNode();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        ObjectNode promptDetails = usage.putObject("prompt_tokens_details");
        promptDetails.put("cached_tokens", call.behavior().cachedTokens());
        promptDetails.put("audio_tokens", 0);
        ObjectNode completionDetails = usage.putObject("completion_tokens_details");
        completionDetails.put("reasoning_tokens", call.behavior().reasoningTokens());
        completionDetails.put("audio_tokens", 0);
        completionDetails.put("accepted_prediction_tokens", 0);
        completionDetails.put("rejected_prediction_tokens", 0);
        return usage;
    }

    /**
     * A {@code chat.completion.chunk} with one choice whose delta is {@code delta}, or no choice when {@code delta}
     * is null (the usage chunk). With {@code includeUsage} the chunk carries {@code "usage": null} like real OpenAI.
     */
    static ObjectNode chatChunk(Call call, String id, ObjectNode delta, String finishReason, boolean includeUsage) {
        ObjectNode chunk = JSON.objectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", call.createdEpochSeconds());
        chunk.put("model", call.model());
        chunk.put("service_tier", call.openAiServiceTier());
        chunk.put("system_fingerprint", SYSTEM_FINGERPRINT);
        ArrayNode choices = chunk.putArray("choices");
        if (delta != null) {
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    static ObjectNode roleDelta() {
        ObjectNode delta = JSON.objectNode();
        delta.put("role", "assistant");
        delta.put("content", "");
        delta.putNull("refusal");
        return delta;
    }

    static ObjectNode contentDelta(String piece) {
        return JSON.objectNode().put("content", piece);
    }

    static ObjectNode emptyDelta() {
        return JSON.objectNode();
    }

    // ---- Responses ------------------------------------------------------------------------------------------

    /** The Responses API object; {@code completed} false gives the in-progress form (no output, no usage). */
    static ObjectNode response(Call call, String id, String messageId, boolean completed) {
        JsonNode request = call.request();
        ObjectNode body = JSON.objectNode();
        body.put("id", id);
        body.put("object", "response");
        body.put("created_at", call.createdEpochSeconds());
        body.put("status", completed ? "completed" : "in_progress");
        body.put("background", false);
        body.putNull("error");
        body.putNull("incomplete_details");
        body.set("instructions", echo(request, "instructions"));
        body.set("max_output_tokens", echo(request, "max_output_tokens"));
        body.putNull("max_tool_calls");
        body.put("model", call.model());
        ArrayNode output = body.putArray("output");
        if (completed) {
            // a web-search tool runs before the answer: one web_search_call item per search, each billed per call
            for (int i = 0; i < webSearches(request); i++) {
                ObjectNode search = output.addObject();
                search.put("id", "ws_" + messageId.substring(messageId.indexOf('_') + 1) + i);
                search.put("type", "web_search_call");
                search.put("status", "completed");
                ObjectNode action = search.putObject("action");
                action.put("type", "search");
                action.put("query", "search " + (i + 1));
            }
            output.add(responseMessage(messageId, call.text(), true));
        }
        body.put("parallel_tool_calls", true);
        body.set("previous_response_id", echo(request, "previous_response_id"));
        body.putNull("prompt_cache_key");
        ObjectNode reasoning = body.putObject("reasoning");
        reasoning.putNull("effort");
        reasoning.putNull("summary");
        body.putNull("safety_identifier");
        body.put("service_tier", call.openAiServiceTier());
        body.put("store", request.path("store").asBoolean(true));
        body.set("temperature", numberOr(request, "temperature", 1.0));
        ObjectNode text = body.putObject("text");
        text.putObject("format").put("type", "text");
        text.put("verbosity", "medium");
        body.put("tool_choice", "auto");
        body.putArray("tools");
        body.put("top_logprobs", 0);
        body.set("top_p", numberOr(request, "top_p", 1.0));
        body.put("truncation", "disabled");
        if (completed) {
            body.set("usage", responseUsage(call));
        } else {
            body.putNull("usage");
        }
        body.putNull("user");
        JsonNode metadata = request.path("metadata");
        body.set("metadata", metadata.isObject() ? metadata.deepCopy() : JSON.objectNode());
        return body;
    }

    /**
     * The searches a Responses request's web-search tool ({@code web_search} or {@code web_search_preview*}) runs:
     * its {@code max_tool_calls}, 1 when unset; none without such a tool.
     */
    static int webSearches(JsonNode request) {
        for (JsonNode tool : request.path("tools")) {
            if (tool.path("type").asText().startsWith("web_search")) {
                return Math.max(1, request.path("max_tool_calls").asInt(1));
            }
        }
        return 0;
    }

    static ObjectNode responseMessage(String id, String text, boolean completed) {
        ObjectNode item = JSON.objectNode();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", completed ? "completed" : "in_progress");
        ArrayNode content = item.putArray("content");
        if (completed) {
            content.add(outputText(text));
        }
        item.put("role", "assistant");
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = JSON.objectNode();
        part.put("type", "output_text");
        part.putArray("annotations");
        part.putArray("logprobs");
        part.put("text", text);
        return part;
    }

    static ObjectNode responseUsage(Call call) {
        int input = call.openAiPromptTokens();
        int output = call.outputTokens();
        ObjectNode usage = JSON.objectNode();
        usage.put("input_tokens", input);
        usage.putObject("input_tokens_details")
                .put("cached_tokens", call.behavior().cachedTokens());
        usage.put("output_tokens", output);
        usage.putObject("output_tokens_details")
                .put("reasoning_tokens", call.behavior().reasoningTokens());
        usage.put("total_tokens", input + output);
        return usage;
    }

    /** A Responses streaming event: {@code type} and {@code sequence_number} first, like the real API. */
    static ObjectNode responseEvent(String type, int sequenceNumber) {
        ObjectNode event = JSON.objectNode();
        event.put("type", type);
        event.put("sequence_number", sequenceNumber);
        return event;
    }

    // ---- Embeddings -----------------------------------------------------------------------------------------

    /**
     * One embedding per input (a string, an array of strings, an array of token ids or an array of token-id arrays).
     * Vectors are unit length and depend only on the input text; {@code encoding_format: "base64"} (the openai-java
     * default) returns little-endian float32 bytes in base64.
     */
    static ObjectNode embeddings(Call call) {
        JsonNode request = call.request();
        JsonNode input = request.path("input");
        int dimensions = request.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        if (dimensions <= 0 || dimensions > MAX_DIMENSIONS) {
            dimensions = DEFAULT_DIMENSIONS;
        }
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        ObjectNode body = JSON.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        boolean single = !input.isArray() || input.isEmpty() || input.get(0).isNumber();
        int count = single ? 1 : input.size();
        for (int i = 0; i < count; i++) {
            JsonNode item = single ? input : input.get(i);
            float[] vector = vector(item.isTextual() ? item.asText() : item.toString(), dimensions);
            ObjectNode embedding = data.addObject();
            embedding.put("object", "embedding");
            embedding.put("index", i);
            if (base64) {
                ByteBuffer bytes =
                        ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : vector) {
                    bytes.putFloat(value);
                }
                embedding.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = embedding.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
        }
        body.put("model", call.model());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", call.inputTokens());
        usage.put("total_tokens", call.inputTokens());
        return body;
    }

    /** Deterministic unit vector for a text: seeded by the text's 64-bit FNV-1a hash. */
    static float[] vector(String text, int dimensions) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        SplittableRandom random = new SplittableRandom(hash);
        float[] vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            double value = random.nextDouble() * 2 - 1;
            vector[i] = (float) value;
            norm += value * value;
        }
        double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
        return vector;
    }

    // ---- Errors ---------------------------------------------------------------------------------------------

    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode body = JSON.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }

    /** The body real OpenAI sends for {@code status} when the test did not supply one. */
    static ObjectNode defaultError(int status) {
        return switch (status) {
            case 400 -> error("Invalid request (fake upstream).", "invalid_request_error", null, null);
            case 401 -> error("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
            case 403 -> error("You are not allowed to access this resource.", "invalid_request_error", null, null);
            case 404 ->
                error(
                        "The model does not exist or you do not have access to it.",
                        "invalid_request_error",
                        null,
                        "model_not_found");
            case 429 ->
                error(
                        "Rate limit reached for requests (fake upstream). Please try again later.",
                        "requests",
                        null,
                        "rate_limit_exceeded");
            case 503 -> error("The server is overloaded or not ready yet.", "server_error", null, null);
            default ->
                status >= 500
                        ? error(
                                "The server had an error while processing your request. Sorry about that!",
                                "server_error",
                                null,
                                null)
                        : error("Request failed (fake upstream).", "invalid_request_error", null, null);
        };
    }

    private static JsonNode echo(JsonNode request, String field) {
        JsonNode value = request.get(field);
        return value == null ? JSON.nullNode() : value.deepCopy();
    }

    private static JsonNode numberOr(JsonNode request, String field, double fallback) {
        JsonNode value = request.get(field);
        return value != null && value.isNumber() ? value.deepCopy() : JSON.numberNode(fallback);
    }
}
