package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.CacheableCalls;
import dev.spendgate.function.proxy.usage.SseDecoder;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rebuilds the non-streamed answer from a streamed one as it passes, so a streamed miss fills the response cache in
 * the shape every later call (streamed or not) is served from. OpenAI Chat Completions: content, refusal, tool calls
 * and a legacy {@code function_call} per choice, logprobs when asked for, finish reasons, usage; id, model and created
 * from the first chunk that names the answer (not Azure's opening content-filter chunk). Anthropic Messages: the
 * {@code message_start} message with its content blocks rebuilt from their deltas (text with its citations, a tool's
 * input), stop reason and usage from
 * {@code message_delta}. Anything it cannot rebuild (an error event, a cut stream, an unknown block, a delta field it
 * does not know such as {@code audio}, {@code annotations} or {@code reasoning_content}) leaves it without a result:
 * that answer is not cached.
 *
 * <p>What it gathers is bounded by the answer it rebuilds, not by the stream's bytes: once the text, arguments,
 * logprobs, blocks, ids, names and usage gathered, and {@value #OBJECT_BYTES} bytes for each choice and tool call
 * opened, pass the cache rule's {@code max_entry_bytes} the answer could not be kept, so it stops
 * (a Chat Completions chunk spends some 220 bytes of JSON on a token of a few characters: a 2,500-token answer is
 * about 570 KB of events and 22 KB rebuilt). An event is buffered only up to a few times that limit, and the stream's
 * raw bytes are read only up to {@value #RAW_BYTES_PER_ANSWER_BYTE} times it, a guard against an upstream that sends
 * events carrying nothing for ever; memory per stream stays a small multiple of {@code max_entry_bytes}.
 */
public final class StreamAssembler implements SseDecoder.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Raw stream bytes read per byte the kept answer may have: above any model's longest output. */
    static final int RAW_BYTES_PER_ANSWER_BYTE = 128;
    /** An unfinished event's buffer grows, past the decoder's free 64 KB, by this many times the answer's limit. */
    private static final int EVENT_BYTES_PER_ANSWER_BYTE = 4;
    /**
     * Counted for each choice and tool call index a stream opens, beside its text: less than either takes in the
     * rebuilt answer, so a stream of empty choices (new indexes, nothing else) reaches the limit like text does.
     */
    static final int OBJECT_BYTES = 64;
    /**
     * The Chat Completions delta fields rebuilt. Any other with a value, not empty (audio, annotations, a provider's
     * reasoning_content, a field added later) would be dropped from the kept answer, which then serves every repeat
     * for the rule's TTL without it: such a stream is not kept.
     */
    private static final Set<String> DELTA_FIELDS =
            Set.of("role", "content", "refusal", "tool_calls", "function_call", "logprobs");

    private final String endpoint;
    private final long maxAnswerBytes;
    private final long maxRawBytes;
    private final SseDecoder decoder;
    private boolean failed;
    private boolean done;
    private long bytes;
    /** Bytes of the answer gathered so far (UTF-16 units of text, never more than its UTF-8 bytes). */
    private long gathered;
    /** Bytes the decoder's buffer of an unfinished event was let grow by. */
    private long eventBytes;
    // OpenAI
    private ObjectNode head;
    private boolean named;
    private final Map<Integer, Choice> choices = new TreeMap<>();
    private JsonNode usage;
    // Anthropic
    private ObjectNode message;
    private final Map<Integer, ObjectNode> blocks = new TreeMap<>();
    private final Map<Integer, StringBuilder> partialJson = new TreeMap<>();
    private final Map<Integer, StringBuilder> text = new TreeMap<>();

    private static final class Choice {
        final StringBuilder content = new StringBuilder();
        final StringBuilder refusal = new StringBuilder();
        boolean hasRefusal;
        String role = "assistant";
        JsonNode finish;
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        final Map<Integer, StringBuilder> arguments = new TreeMap<>();
        /** The tokens' logprobs, when the call asked for them: {@code content} and {@code refusal} appended. */
        ObjectNode logprobs;
        /** A legacy {@code functions} call's name, null until the stream names one. */
        String functionName;

        final StringBuilder functionArguments = new StringBuilder();
    }

    /** An assembler of a stream of {@code endpoint} whose answer is kept only up to {@code maxAnswerBytes}. */
    public StreamAssembler(String endpoint, int maxAnswerBytes) {
        this.endpoint = endpoint;
        this.maxAnswerBytes = maxAnswerBytes;
        this.maxRawBytes = (long) maxAnswerBytes * RAW_BYTES_PER_ANSWER_BYTE;
        long maxEventBytes = (long) maxAnswerBytes * EVENT_BYTES_PER_ANSWER_BYTE;
        this.decoder = new SseDecoder(this, need -> (eventBytes += need) <= maxEventBytes);
        failed = !CacheableCalls.streamReplayed(endpoint);
    }

    public void feed(byte[] b, int offset, int count) {
        if (failed) {
            return;
        }
        bytes += count;
        if (bytes > maxRawBytes || decoder.dropped()) {
            failed = true;
            return;
        }
        decoder.feed(b, offset, count);
    }

    /** Counts {@code n} more bytes of the answer: past the rule's limit it could not be kept, so gathering stops. */
    private void gather(long n) {
        gathered += n;
        if (gathered > maxAnswerBytes) {
            failed = true;
        }
    }

    @Override
    public void onEvent(String event, String data) {
        if (failed) {
            return;
        }
        try {
            if (endpoint.equals("chat.completions")) {
                openAi(data);
            } else {
                anthropic(event, data);
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
        }
    }

    private void openAi(String data) throws IOException {
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        JsonNode c = JSON.readTree(data);
        if (c.has("error")) {
            failed = true;
            return;
        }
        if (head == null) {
            head = JSON.createObjectNode();
            head.putNull("id");
            head.put("object", "chat.completion");
            head.putNull("created");
            head.putNull("model");
        }
        if (!named && !c.path("id").asText("").isEmpty()) {
            named = true;
            // from the first chunk naming the answer: Azure OpenAI opens with a content-filter chunk whose id and
            // model are empty and created 0
            head.set("id", c.get("id"));
            head.set("created", c.get("created"));
            head.set("model", c.get("model"));
        }
        for (String f : new String[] {"system_fingerprint", "service_tier"}) {
            if (c.hasNonNull(f)) {
                head.set(f, c.get(f));
            }
        }
        if (c.hasNonNull("usage")) {
            usage = c.get("usage");
        }
        for (JsonNode ch : c.path("choices")) {
            Choice choice = choices.computeIfAbsent(ch.path("index").asInt(), i -> {
                gather(OBJECT_BYTES);
                return new Choice();
            });
            JsonNode d = ch.path("delta");
            for (Iterator<String> names = d.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!DELTA_FIELDS.contains(name) && !empty(d.get(name))) {
                    failed = true;
                    return;
                }
            }
            if (d.hasNonNull("role")) {
                choice.role = d.get("role").asText();
            }
            if (d.hasNonNull("content")) {
                String piece = d.get("content").asText();
                gather(piece.length());
                choice.content.append(piece);
            }
            if (d.hasNonNull("refusal")) {
                choice.hasRefusal = true;
                String piece = d.get("refusal").asText();
                gather(piece.length());
                choice.refusal.append(piece);
            }
            JsonNode fc = d.path("function_call");
            if (fc.isObject()) {
                if (fc.hasNonNull("name")) {
                    String name = fc.get("name").asText();
                    gather(grown(choice.functionName, name));
                    choice.functionName = name;
                } else if (choice.functionName == null) {
                    choice.functionName = "";
                }
                if (fc.hasNonNull("arguments")) {
                    String piece = fc.get("arguments").asText();
                    gather(piece.length());
                    choice.functionArguments.append(piece);
                }
            }
            for (JsonNode tc : d.path("tool_calls")) {
                int i = tc.path("index").asInt();
                ObjectNode call = choice.toolCalls.computeIfAbsent(i, k -> {
                    gather(OBJECT_BYTES);
                    return JSON.createObjectNode();
                });
                if (tc.hasNonNull("id")) {
                    gather(grown(call, "id", tc.get("id")));
                    call.set("id", tc.get("id"));
                }
                if (tc.hasNonNull("type")) {
                    gather(grown(call, "type", tc.get("type")));
                    call.set("type", tc.get("type"));
                }
                JsonNode fn = tc.path("function");
                if (fn.hasNonNull("name")) {
                    gather(grown(call, "name", fn.get("name")));
                    call.put("name", fn.get("name").asText());
                }
                if (fn.hasNonNull("arguments")) {
                    String piece = fn.get("arguments").asText();
                    gather(piece.length());
                    choice.arguments
                            .computeIfAbsent(i, k -> new StringBuilder())
                            .append(piece);
                }
            }
            if (ch.path("logprobs").isObject()) {
                if (choice.logprobs == null) {
                    choice.logprobs = JSON.createObjectNode();
                    choice.logprobs.putNull("content");
                    choice.logprobs.putNull("refusal");
                }
                for (String f : new String[] {"content", "refusal"}) {
                    JsonNode items = ch.get("logprobs").get(f);
                    if (items != null && items.isArray()) {
                        gather(items.toString().length());
                        JsonNode kept = choice.logprobs.get(f);
                        ArrayNode into =
                                kept != null && kept.isArray() ? (ArrayNode) kept : choice.logprobs.putArray(f);
                        into.addAll((ArrayNode) items);
                    }
                }
            }
            if (ch.hasNonNull("finish_reason")) {
                choice.finish = ch.get("finish_reason");
            }
            if (failed) {
                return;
            }
        }
    }

    /** How much longer {@code now} is than {@code before} (null: none), the bytes kept in its place. */
    private static long grown(String before, String now) {
        return Math.max(0, now.length() - (before == null ? 0 : before.length()));
    }

    /** How much longer {@code now} is, as JSON text, than the value {@code into} keeps under {@code field}. */
    private static long grown(ObjectNode into, String field, JsonNode now) {
        JsonNode before = into.get(field);
        return grown(before == null ? null : before.toString(), now.toString());
    }

    /** A value that carries nothing to lose: null, "", [] or {} (OpenRouter sends {@code reasoning_details: []}). */
    private static boolean empty(JsonNode value) {
        return value.isNull()
                || value.isTextual() && value.asText().isEmpty()
                || value.isContainerNode() && value.isEmpty();
    }

    private void anthropic(String event, String data) throws IOException {
        JsonNode e = JSON.readTree(data);
        String type = e.path("type").asText(event == null ? "" : event);
        switch (type) {
            case "message_start" -> {
                gather(data.length());
                message = ((ObjectNode) e.get("message")).deepCopy();
            }
            case "content_block_start" -> {
                gather(data.length());
                blocks.put(e.path("index").asInt(), ((ObjectNode) e.get("content_block")).deepCopy());
            }
            case "content_block_delta" -> {
                int i = e.path("index").asInt();
                ObjectNode block = blocks.get(i);
                JsonNode d = e.path("delta");
                switch (d.path("type").asText()) {
                    case "text_delta" -> {
                        String piece = d.path("text").asText();
                        gather(piece.length());
                        text.computeIfAbsent(
                                        i,
                                        k -> new StringBuilder(
                                                block.path("text").asText("")))
                                .append(piece);
                    }
                    case "citations_delta" -> {
                        // a text block's source (the request enabled citations), sent as the block streams
                        JsonNode citation = d.path("citation");
                        gather(citation.toString().length());
                        (block.get("citations") instanceof ArrayNode kept ? kept : block.putArray("citations"))
                                .add(citation);
                    }
                    case "input_json_delta" -> {
                        String piece = d.path("partial_json").asText();
                        gather(piece.length());
                        partialJson.computeIfAbsent(i, k -> new StringBuilder()).append(piece);
                    }
                    default -> failed = true; // thinking and other blocks are not rebuilt
                }
            }
            case "message_delta" -> {
                JsonNode d = e.path("delta");
                message.set("stop_reason", d.get("stop_reason"));
                message.set("stop_sequence", d.get("stop_sequence"));
                if (e.path("usage").isObject()) {
                    ObjectNode u = message.path("usage").isObject()
                            ? (ObjectNode) message.get("usage")
                            : message.putObject("usage");
                    gather(e.get("usage").toString().length()); // merged in: new fields are kept beside the old
                    u.setAll((ObjectNode) e.get("usage"));
                }
            }
            case "message_stop" -> done = true;
            case "error" -> failed = true;
            default -> {} // ping, content_block_stop
        }
    }

    /** The rebuilt non-streamed body; empty when the stream did not end cleanly or could not be rebuilt. */
    public Optional<byte[]> result() {
        if (failed || !done || decoder.hasPartialEvent() || decoder.dropped()) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    JSON.writeValueAsBytes(endpoint.equals("chat.completions") ? openAiBody() : anthropicBody()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private ObjectNode openAiBody() throws IOException {
        if (head == null || !named) {
            throw new IllegalStateException("no chunk naming the answer");
        }
        ObjectNode body = head.deepCopy();
        ArrayNode out = body.putArray("choices");
        for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
            Choice c = e.getValue();
            ObjectNode choice = out.addObject();
            choice.put("index", e.getKey());
            ObjectNode m = choice.putObject("message");
            m.put("role", c.role);
            if ((c.toolCalls.isEmpty() && c.functionName == null) || c.content.length() > 0) {
                m.put("content", c.content.toString());
            } else {
                m.putNull("content");
            }
            if (c.hasRefusal) {
                m.put("refusal", c.refusal.toString());
            } else {
                m.putNull("refusal");
            }
            if (c.functionName != null) {
                m.putObject("function_call")
                        .put("name", c.functionName)
                        .put("arguments", c.functionArguments.toString());
            }
            if (!c.toolCalls.isEmpty()) {
                ArrayNode calls = m.putArray("tool_calls");
                for (Map.Entry<Integer, ObjectNode> t : c.toolCalls.entrySet()) {
                    ObjectNode call = calls.addObject();
                    call.set("id", t.getValue().get("id"));
                    call.put("type", t.getValue().path("type").asText("function"));
                    call.putObject("function")
                            .put("name", t.getValue().path("name").asText())
                            .put(
                                    "arguments",
                                    c.arguments
                                            .getOrDefault(t.getKey(), new StringBuilder())
                                            .toString());
                }
            }
            if (c.logprobs != null) {
                choice.set("logprobs", c.logprobs);
            } else {
                choice.putNull("logprobs");
            }
            choice.set("finish_reason", c.finish);
        }
        if (usage != null) {
            body.set("usage", usage);
        }
        return body;
    }

    private ObjectNode anthropicBody() throws IOException {
        ObjectNode body = message.deepCopy();
        ArrayNode content = body.putArray("content");
        for (Map.Entry<Integer, ObjectNode> b : blocks.entrySet()) {
            ObjectNode block = b.getValue();
            StringBuilder streamedText = text.get(b.getKey());
            if (streamedText != null) {
                block.put("text", streamedText.toString());
            }
            StringBuilder json = partialJson.get(b.getKey());
            if (json != null && !json.isEmpty()) {
                // a tool_use block's input, and a server tool's (server_tool_use: web search, code execution)
                block.set("input", JSON.readTree(json.toString()));
            } else if (block.path("type").asText().equals("tool_use")) {
                block.set("input", JSON.createObjectNode());
            }
            content.add(block);
        }
        return body;
    }
}
