package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads a provider response (whole JSON body, or SSE events as they pass) for token usage and the served model,
 * following each provider's token semantics. Events that cannot carry usage are told apart on their bytes and kept
 * raw, undecoded; they are parsed only when the provider's usage is incomplete (a cut stream) and their text must be
 * counted.
 */
public abstract class UsageTracker implements SseDecoder.Listener {
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
                    // buffers shared across threads, not per (virtual) thread: see pipeline.Json#pooled
                    .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    protected String modelServed;
    protected String serviceTier;
    protected String inferenceGeo;
    private final RawEvents deltas = new RawEvents();

    public static UsageTracker forEndpoint(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS -> new OpenAiChatUsageTracker();
            case RESPONSES -> new OpenAiResponsesUsageTracker();
            case EMBEDDINGS -> new OpenAiEmbeddingsUsageTracker();
            case MESSAGES -> new AnthropicUsageTracker();
        };
    }

    /**
     * A complete non-streamed response body. Only the top-level fields {@link #readBody} reads ({@link #bodyFields})
     * are built as a tree; the others (the answer's text, embeddings' vectors) are scanned past without being
     * materialised ({@link #scanBodyField} may count something in them on the way), and a body that is not valid JSON
     * is read as none, as a whole-tree parse would.
     */
    public final void onBody(byte[] body) {
        JsonNode root = parseFields(body, bodyFields(), this);
        if (root != null) {
            readBody(root);
        }
    }

    /** The top-level fields of a whole body that {@link #readBody} reads. */
    protected Set<String> bodyFields() {
        return BODY_FIELDS;
    }

    /**
     * Reads a top-level body field that is not built as a tree, token by token, in the single pass over the body
     * (the parser is at the value's first token; it must be left at its last, as {@link JsonParser#skipChildren}
     * leaves it). Returns false, having read nothing, for a field it does not read. Called before {@link #readBody},
     * which is not called at all when the body turns out not to be JSON.
     */
    protected boolean scanBodyField(String name, JsonParser p) throws IOException {
        return false;
    }

    private static final Set<String> BODY_FIELDS = Set.of("model", "service_tier", "usage");

    /** The body's object with only {@code fields} (the last of duplicates, as a tree parse keeps), or null. */
    static JsonNode parseFields(byte[] body, Set<String> fields, UsageTracker scanner) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null; // not an object: nothing a tracker reads (a tree parse gave no usage either)
            }
            ObjectNode kept = JSON.createObjectNode();
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                if (fields.contains(name)) {
                    kept.set(name, value == JsonToken.VALUE_NULL ? kept.nullNode() : JSON.readTree(p));
                } else if (!scanner.scanBodyField(name, p)) {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                return null;
            }
            return kept;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public final void onEvent(String event, String data) {
        onEvent(SseDecoder.Event.of(event, data));
    }

    @Override
    public final void onEvent(SseDecoder.Event event) {
        if (isDelta(event)) {
            deltas.add(event.dataBytes(), event.dataOffset(), event.dataLength());
        } else {
            JsonNode node = parse(event.dataBytes(), event.dataOffset(), event.dataLength());
            if (node != null) {
                readEvent(event.name(), node);
            }
        }
    }

    /**
     * What was read. The streamed text (for estimates only) is assembled only when the provider's usage is
     * incomplete; with complete usage it is what the non-delta events carried, if anything.
     */
    public final TrackedUsage result() {
        TrackedUsage reported = usage("");
        if (reported.complete() || deltas.isEmpty()) {
            return reported.withBilling(serviceTier, inferenceGeo);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < deltas.size(); i++) {
            JsonNode node = parse(deltas.bytes(), deltas.offset(i), deltas.length(i));
            if (node != null) {
                appendDeltaText(node, text);
            }
        }
        return usage(text.toString()).withBilling(serviceTier, inferenceGeo);
    }

    /** True once a content event ({@link #isDelta}) has passed. */
    protected final boolean sawDeltas() {
        return !deltas.isEmpty();
    }

    protected abstract void readBody(JsonNode root);

    /** True for events that carry only content (kept raw); they are never the usage event. */
    protected abstract boolean isDelta(SseDecoder.Event event);

    protected abstract void readEvent(String event, JsonNode node);

    protected abstract void appendDeltaText(JsonNode delta, StringBuilder text);

    protected abstract TrackedUsage usage(String streamedText);

    /**
     * Keeps the first model the response names. A blank one is no model: Azure opens a stream with a content-filter
     * chunk whose {@code model} is {@code ""}; the model it ran is in the chunks after it.
     */
    protected void rememberModel(JsonNode node) {
        if (modelServed == null && node.hasNonNull("model")) {
            String model = node.get("model").asText();
            if (!model.isBlank()) {
                modelServed = model;
            }
        }
    }

    /** Keeps the served tier the node names in {@code field} (the last one seen wins: the final event is exact). */
    protected void rememberServiceTier(JsonNode node, String field) {
        JsonNode tier = node.get(field);
        if (tier != null && tier.isTextual() && !tier.asText().isBlank()) {
            serviceTier = tier.asText();
        }
    }

    static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    static JsonNode parse(byte[] data, int offset, int length) {
        if (length == 0 || data[offset] != '{') {
            return null;
        }
        try {
            return JSON.readTree(data, offset, length);
        } catch (IOException e) {
            return null;
        }
    }

    /** Events' data kept back to back in one array, undecoded. */
    private static final class RawEvents {
        private byte[] bytes = new byte[0];
        private int[] ends = new int[16];
        private int size;

        void add(byte[] data, int offset, int length) {
            int start = size == 0 ? 0 : ends[size - 1];
            if (start + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(start + length, Math.max(1024, bytes.length * 2)));
            }
            System.arraycopy(data, offset, bytes, start, length);
            if (size == ends.length) {
                ends = Arrays.copyOf(ends, size * 2);
            }
            ends[size++] = start + length;
        }

        boolean isEmpty() {
            return size == 0;
        }

        int size() {
            return size;
        }

        byte[] bytes() {
            return bytes;
        }

        int offset(int i) {
            return i == 0 ? 0 : ends[i - 1];
        }

        int length(int i) {
            return ends[i] - offset(i);
        }
    }

    static void appendText(JsonNode node, StringBuilder text) {
        if (node != null && node.isTextual()) {
            text.append(node.asText());
        }
    }
}
