package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * Replays a cached (non-streamed) answer as the provider's server-sent events, so a streamed call served from the
 * cache reads like a live stream to the official SDKs: OpenAI Chat Completions chunks (role, reasoning_content,
 * content, annotations, tool-call and legacy function-call deltas, the finish reason, the usage chunk, {@code [DONE]})
 * and Anthropic Messages events ({@code message_start}, a start, delta and stop per content block, a text block's
 * citations as {@code citations_delta}, {@code message_delta}, {@code message_stop}). Text is sent in pieces of at most
 * {@value #PIECE} characters. An answer with a part it cannot send as the provider would (a Chat Completions
 * {@code message.audio}, or a message field it does not know) has no replay: that hit is served as a miss rather than
 * as a reduced answer.
 */
public final class StreamReplay {
    static final int PIECE = 64;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The Chat Completions message fields replayed; any other with a value leaves the answer without a replay. */
    private static final Set<String> MESSAGE_FIELDS =
            Set.of("role", "content", "refusal", "function_call", "tool_calls", "annotations", "reasoning_content");

    private StreamReplay() {}

    /**
     * The SSE bytes for a cached answer of {@code endpoint} ({@code chat.completions} or {@code messages}, the
     * endpoints {@link dev.spendgate.domain.cache.CacheableCalls#streamReplayed} names).
     */
    public static byte[] sse(String endpoint, byte[] cachedBody) {
        return replay(endpoint, cachedBody, true)
                .orElseThrow(() -> new IllegalArgumentException("the cached answer has a part no stream replays"));
    }

    /**
     * The SSE bytes for a cached answer, or none when a part of it cannot be replayed; a Chat Completions stream ends
     * with the usage chunk ({@code "choices":[]}) only when {@code usageChunk}: OpenAI sends it only to a client that
     * set {@code stream_options.include_usage}.
     */
    public static Optional<byte[]> replay(String endpoint, byte[] cachedBody, boolean usageChunk) {
        JsonNode body;
        try {
            body = JSON.readTree(cachedBody);
        } catch (IOException e) {
            throw new IllegalArgumentException("the cached answer is not JSON", e);
        }
        if (endpoint.equals("chat.completions") && !openAiReplayable(body)) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(cachedBody.length * 2);
        switch (endpoint) {
            case "chat.completions" -> openAiChat(body, usageChunk, out);
            case "messages" -> anthropic(body, out);
            default -> throw new IllegalArgumentException("no stream replay for endpoint " + endpoint);
        }
        return Optional.of(out.toByteArray());
    }

    /** Whether every choice's message has only fields the replay sends (others empty: null, "", [] or {}). */
    private static boolean openAiReplayable(JsonNode body) {
        for (JsonNode choice : body.path("choices")) {
            JsonNode message = choice.path("message");
            for (Iterator<String> names = message.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!MESSAGE_FIELDS.contains(name) && !empty(message.get(name))) {
                    return false; // audio (its stream is pcm16 chunks), or a field added later
                }
            }
        }
        return true;
    }

    private static boolean empty(JsonNode value) {
        return value.isNull()
                || value.isTextual() && value.asText().isEmpty()
                || value.isContainerNode() && value.isEmpty();
    }

    private static void openAiChat(JsonNode body, boolean usageChunk, ByteArrayOutputStream out) {
        for (JsonNode choice : body.path("choices")) {
            int index = choice.path("index").asInt();
            JsonNode message = choice.path("message");
            ObjectNode delta = JSON.createObjectNode();
            delta.put("role", message.path("role").asText("assistant"));
            delta.put("content", "");
            if (message.has("refusal")) {
                delta.set("refusal", message.get("refusal"));
            }
            // the answer's logprobs (when the call asked for them) in one piece: a client appends each chunk's
            chunk(body, index, delta, null, choice.path("logprobs"), out);
            // a reasoning model's thinking (DeepSeek, Qwen, vLLM), streamed before the answer as it is live
            for (String piece : pieces(message.path("reasoning_content").asText(""))) {
                chunk(body, index, JSON.createObjectNode().put("reasoning_content", piece), null, out);
            }
            String content = message.path("content").asText("");
            for (String piece : pieces(content)) {
                chunk(body, index, JSON.createObjectNode().put("content", piece), null, out);
            }
            JsonNode annotations = message.path("annotations");
            if (annotations.isArray() && !annotations.isEmpty()) {
                // a search model's url_citation annotations, which a live stream sends as a delta
                ObjectNode d = JSON.createObjectNode();
                d.set("annotations", annotations);
                chunk(body, index, d, null, out);
            }
            JsonNode function = message.path("function_call");
            if (function.isObject()) {
                ObjectNode start = JSON.createObjectNode();
                start.putObject("function_call")
                        .put("name", function.path("name").asText())
                        .put("arguments", "");
                chunk(body, index, start, null, out);
                for (String piece : pieces(function.path("arguments").asText(""))) {
                    ObjectNode d = JSON.createObjectNode();
                    d.putObject("function_call").put("arguments", piece);
                    chunk(body, index, d, null, out);
                }
            }
            int t = 0;
            for (JsonNode call : message.path("tool_calls")) {
                ObjectNode start = JSON.createObjectNode();
                ObjectNode tc = start.putArray("tool_calls").addObject();
                tc.put("index", t);
                tc.set("id", call.get("id"));
                tc.put("type", call.path("type").asText("function"));
                tc.putObject("function")
                        .put("name", call.path("function").path("name").asText())
                        .put("arguments", "");
                chunk(body, index, start, null, out);
                for (String piece :
                        pieces(call.path("function").path("arguments").asText(""))) {
                    ObjectNode d = JSON.createObjectNode();
                    d.putArray("tool_calls")
                            .addObject()
                            .put("index", t)
                            .putObject("function")
                            .put("arguments", piece);
                    chunk(body, index, d, null, out);
                }
                t++;
            }
            chunk(
                    body,
                    index,
                    JSON.createObjectNode(),
                    choice.path("finish_reason").asText("stop"),
                    out);
        }
        if (usageChunk && body.has("usage")) {
            ObjectNode usage = base(body);
            usage.putArray("choices");
            usage.set("usage", body.get("usage"));
            data(usage, out);
        }
        write("data: [DONE]\n\n", out);
    }

    private static void chunk(JsonNode body, int index, ObjectNode delta, String finish, ByteArrayOutputStream out) {
        chunk(body, index, delta, finish, null, out);
    }

    private static void chunk(
            JsonNode body, int index, ObjectNode delta, String finish, JsonNode logprobs, ByteArrayOutputStream out) {
        ObjectNode c = base(body);
        ArrayNode choices = c.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        if (logprobs != null && logprobs.isObject()) {
            choice.set("logprobs", logprobs);
        } else {
            choice.putNull("logprobs");
        }
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        data(c, out);
    }

    private static ObjectNode base(JsonNode body) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", body.path("id").asText("chatcmpl-cached"));
        c.put("object", "chat.completion.chunk");
        c.put("created", body.path("created").asLong());
        c.put("model", body.path("model").asText());
        if (body.has("system_fingerprint")) {
            c.set("system_fingerprint", body.get("system_fingerprint"));
        }
        if (body.has("service_tier")) {
            c.set("service_tier", body.get("service_tier"));
        }
        return c;
    }

    private static void anthropic(JsonNode body, ByteArrayOutputStream out) {
        ObjectNode message = ((ObjectNode) body).deepCopy();
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode usage =
                body.path("usage").isObject() ? ((ObjectNode) body.get("usage")).deepCopy() : JSON.createObjectNode();
        long outputTokens = usage.path("output_tokens").asLong();
        usage.put("output_tokens", 1);
        message.set("usage", usage);
        event(
                "message_start",
                JSON.createObjectNode().put("type", "message_start").set("message", message),
                out);
        int index = 0;
        for (JsonNode block : body.path("content")) {
            String type = block.path("type").asText();
            ObjectNode start =
                    JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            if (type.equals("text")) {
                // the block as it starts live: its text empty, its citations (when the request enabled them) empty
                ObjectNode cb = ((ObjectNode) block).deepCopy().put("text", "");
                JsonNode citations = block.path("citations");
                if (citations.isArray()) {
                    cb.putArray("citations");
                }
                start.set("content_block", cb);
                event("content_block_start", start, out);
                for (JsonNode citation : citations) {
                    ObjectNode d = JSON.createObjectNode()
                            .put("type", "content_block_delta")
                            .put("index", index);
                    d.putObject("delta").put("type", "citations_delta").set("citation", citation);
                    event("content_block_delta", d, out);
                }
                for (String piece : pieces(block.path("text").asText(""))) {
                    ObjectNode d = JSON.createObjectNode()
                            .put("type", "content_block_delta")
                            .put("index", index);
                    d.putObject("delta").put("type", "text_delta").put("text", piece);
                    event("content_block_delta", d, out);
                }
            } else if (type.equals("tool_use")) {
                ObjectNode cb = ((ObjectNode) block).deepCopy();
                cb.putObject("input");
                start.set("content_block", cb);
                event("content_block_start", start, out);
                for (String piece : pieces(block.path("input").toString())) {
                    ObjectNode d = JSON.createObjectNode()
                            .put("type", "content_block_delta")
                            .put("index", index);
                    d.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                    event("content_block_delta", d, out);
                }
            } else {
                start.set("content_block", block);
                event("content_block_start", start, out);
            }
            event(
                    "content_block_stop",
                    JSON.createObjectNode().put("type", "content_block_stop").put("index", index),
                    out);
            index++;
        }
        ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
        ObjectNode d = delta.putObject("delta");
        d.set("stop_reason", body.path("stop_reason").isMissingNode() ? null : body.get("stop_reason"));
        d.set("stop_sequence", body.path("stop_sequence").isMissingNode() ? null : body.get("stop_sequence"));
        delta.putObject("usage").put("output_tokens", outputTokens);
        event("message_delta", delta, out);
        event("message_stop", JSON.createObjectNode().put("type", "message_stop"), out);
    }

    private static java.util.List<String> pieces(String text) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int end = Math.min(text.length(), i + PIECE);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }

    private static void event(String name, JsonNode data, ByteArrayOutputStream out) {
        write("event: " + name + "\n", out);
        data(data, out);
    }

    private static void data(JsonNode data, ByteArrayOutputStream out) {
        try {
            write("data: " + JSON.writeValueAsString(data) + "\n\n", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(String s, ByteArrayOutputStream out) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
