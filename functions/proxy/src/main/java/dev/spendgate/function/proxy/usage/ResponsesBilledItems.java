package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.WebSearchActions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The items of an OpenAI Responses {@code output} that are billed on top of the tokens, counted per kind: as a whole
 * output lists them (the body, or the response a stream's events carry, the final one all of it), and as a stream
 * shows them done ({@code response.output_item.done}), which is all a stream cut before its final event tells. A
 * {@code web_search_call} counts only when its action is a billed search ({@link WebSearchActions#billed}).
 */
final class ResponsesBilledItems {
    /** A kind of billed item, by its {@code type}. */
    enum Kind {
        /** One web search, billed per call. */
        WEB_SEARCH("web_search_call"),
        /** One image the {@code image_generation} tool made, billed at GPT Image rates. */
        IMAGE_GENERATION("image_generation_call"),
        /** One search the {@code file_search} tool ran, billed per call. */
        FILE_SEARCH("file_search_call"),
        /** Code the {@code code_interpreter} tool ran, in a container billed by size and session. */
        CODE_INTERPRETER("code_interpreter_call");

        private final String itemType;

        Kind(String itemType) {
            this.itemType = itemType;
        }

        /** The billed kind of an item of {@code itemType} whose action is {@code actionType}; null when not billed. */
        static Kind of(String itemType, String actionType) {
            for (Kind kind : values()) {
                if (kind.itemType.equals(itemType)) {
                    return kind != WEB_SEARCH || WebSearchActions.billed(actionType) ? kind : null;
                }
            }
            return null;
        }
    }

    private final long[] listed = new long[Kind.values().length];
    private final List<Set<String>> done = new ArrayList<>();

    ResponsesBilledItems() {
        for (int i = 0; i < Kind.values().length; i++) {
            done.add(new HashSet<>());
        }
    }

    /** How many items of {@code kind} the call ran: those the output listed, or more shown done. */
    long count(Kind kind) {
        return Math.max(listed[kind.ordinal()], done.get(kind.ordinal()).size());
    }

    /** Counts an item a stream showed done ({@code response.output_item.done}'s {@code item}). */
    void done(JsonNode item) {
        Kind kind = Kind.of(item.path("type").asText(), actionType(item));
        if (kind != null) {
            Set<String> ids = done.get(kind.ordinal());
            ids.add(item.path("id").asText("#" + ids.size()));
        }
    }

    /** Counts the items of a whole {@code output} array, in place of any counted before. */
    void list(JsonNode output) {
        Arrays.fill(listed, 0);
        for (JsonNode item : output) {
            Kind kind = Kind.of(item.path("type").asText(), actionType(item));
            if (kind != null) {
                listed[kind.ordinal()]++;
            }
        }
    }

    /**
     * Counts the items of a whole {@code output} array read token by token, in place of any counted before: only each
     * item's {@code type} and its {@code action}'s {@code type} are looked at, everything else skipped (an image's
     * base64 {@code result} is not kept). Leaves the parser at the value's last token.
     */
    void list(JsonParser p) throws IOException {
        Arrays.fill(listed, 0);
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        JsonToken item;
        while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
            if (item != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String type = null;
            String actionType = null;
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && "type".equals(field)) {
                    type = p.getText();
                } else if (value == JsonToken.START_OBJECT && "action".equals(field)) {
                    actionType = typeOf(p);
                } else {
                    p.skipChildren();
                }
            }
            Kind kind = Kind.of(type, actionType);
            if (kind != null) {
                listed[kind.ordinal()]++;
            }
        }
    }

    private static String actionType(JsonNode item) {
        JsonNode type = item.path("action").get("type");
        return type != null && type.isTextual() ? type.asText() : null;
    }

    /** The {@code type} string of the object the parser is at, its other fields skipped; null without one. */
    private static String typeOf(JsonParser p) throws IOException {
        String type = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_STRING && "type".equals(field)) {
                type = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return type;
    }
}
