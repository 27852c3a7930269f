package dev.spendgate.domain.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;

/**
 * Cache keys of a request. The exact key is SHA-256 over the endpoint, the sharing partition and the request in
 * canonical form: every field that changes the answer (model, messages, system, tools, parameters) with object keys
 * sorted and numbers normalised ({@code 0}, {@code 0.0} and {@code 0E1} are one number), without the fields that do
 * not ({@code stream}, {@code stream_options}, {@code user}, {@code metadata}, Bedrock's {@code requestMetadata}). So a streamed and a non-streamed call
 * of the same request share an answer. The prefix key is the same over the request with its last message's text
 * taken out: calls behind an identical shared prefix (system prompt, tools, earlier turns, parameters) have the same
 * prefix key, and only then are their questions compared.
 */
public final class CacheKeys {
    private static final Set<String> IGNORED =
            Set.of("stream", "stream_options", "user", "metadata", "requestMetadata");
    private static final HexFormat HEX = HexFormat.of();
    /** Places either side of the decimal point past which a number's key text is scientific. */
    static final int MAX_PLAIN_EXPONENT = 100;

    private CacheKeys() {}

    /**
     * Who may share answers: the feature always; its key and department unless the rule shares wider. A department
     * shared across keys is the keys' own ({@code keyDepartment}, from the key's stored defaults), never the
     * {@code X-Cost-Department} header, which any caller may set: a key claiming another department by header is not
     * served that department's answers. A key without a department of its own shares only with itself.
     *
     * @param keyDepartment the department stored on the calling key, or null when it has none
     */
    public static String partition(CacheRule rule, Attribution attribution, String keyId, String keyDepartment) {
        String feature = "feature=" + attribution.feature();
        return switch (rule.share()) {
            case FEATURE -> feature;
            case DEPARTMENT ->
                keyDepartment != null
                        ? feature + "|department=" + keyDepartment
                        : feature + "|department=" + attribution.department() + "|key=" + keyId;
            case KEY -> feature + "|department=" + attribution.department() + "|key=" + keyId;
        };
    }

    public static String exact(String endpoint, String partition, JsonNode body) {
        return sha256(endpoint + "\n" + partition + "\n" + canonical(body));
    }

    /**
     * The version of {@link QuestionSimilarity}'s sketches, part of the prefix key: questions indexed by an earlier
     * version (which dropped question words such as "who" and "how", names written as stop words such as "plan A", the
     * tense asked about, or who does what to whom)
     * are never compared with the current one's, so an upgrade costs one TTL of semantic near-hits, never a false hit.
     */
    static final String SKETCH_VERSION = "5";

    /** The prefix key, or null when the request has no last message of plain text to compare. */
    public static String prefix(String endpoint, String partition, JsonNode body) {
        Varying v = varying(body);
        if (v == null) {
            return null;
        }
        return sha256("prefix" + SKETCH_VERSION + "\n" + endpoint + "\n" + partition + "\n" + canonical(v.withoutIt()));
    }

    /** The text of the request's last message (the question), or null when it is not plain text. */
    public static String question(JsonNode body) {
        Varying v = varying(body);
        return v == null ? null : v.text();
    }

    private record Varying(String text, JsonNode withoutIt) {}

    private static Varying varying(JsonNode body) {
        if (body == null || !body.isObject()) {
            return null;
        }
        JsonNode messages = body.get("messages");
        String field = "messages";
        if (messages == null && body.has("input")) {
            JsonNode input = body.get("input");
            if (input.isTextual()) {
                ObjectNode copy = ((ObjectNode) body).deepCopy();
                copy.remove("input");
                return new Varying(input.asText(), copy);
            }
            messages = input;
            field = "input";
        }
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return null;
        }
        JsonNode last = messages.get(messages.size() - 1);
        String text = plainText(last.get("content"));
        if (text == null) {
            return null;
        }
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        ObjectNode lastCopy = ((ObjectNode) copy.get(field).get(messages.size() - 1));
        lastCopy.remove("content");
        return new Varying(text, copy);
    }

    /** A string, or text parts only ({@code {"type":"text","text":..}}, Bedrock {@code {"text":..}}); else null. */
    private static String plainText(JsonNode content) {
        if (content == null) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (part.isTextual()) {
                text.append(part.asText()).append('\n');
                continue;
            }
            String type = part.path("type").asText("text");
            boolean onlyText = true;
            for (java.util.Iterator<String> it = part.fieldNames(); it.hasNext(); ) {
                onlyText &= Set.of("type", "text", "cache_control").contains(it.next());
            }
            if (!part.hasNonNull("text") || !onlyText || !(type.equals("text") || type.equals("input_text"))) {
                return null;
            }
            text.append(part.get("text").asText()).append('\n');
        }
        return text.toString();
    }

    /** The request in canonical form: sorted keys, normalised numbers, ignored fields left out at the top. */
    public static String canonical(JsonNode body) {
        StringBuilder out = new StringBuilder(256);
        write(body, out, true);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out, boolean top) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            String[] names = new String[node.size()];
            int n = 0;
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names[n++] = it.next();
            }
            Arrays.sort(names);
            out.append('{');
            boolean first = true;
            for (String name : names) {
                if (top && IGNORED.contains(name)) {
                    continue;
                }
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(name, out);
                out.append(':');
                write(node.get(name), out, false);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out, false);
            }
            out.append(']');
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            out.append(node.longValue()); // what the BigDecimal form below gives for an integer, without it
        } else if (node.isNumber()) {
            out.append(number(node.decimalValue()));
        } else if (node.isBoolean()) {
            out.append(node.asBoolean());
        } else {
            string(node.asText(), out);
        }
    }

    /**
     * One text per numeric value (1, 1.0 and 1e0 alike) of a length bounded by its digits: plain notation as ever for a
     * number of ordinary magnitude, scientific ({@code 1E+400000000}) past {@value #MAX_PLAIN_EXPONENT} places either
     * side of the point, where plain notation would pad with as many zeros as the exponent says (1e400000000: 400
     * million characters). Either text reads back as exactly its number, so different numbers never share a key.
     */
    static String number(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal d = value.stripTrailingZeros();
        return Math.abs((long) d.scale()) <= MAX_PLAIN_EXPONENT ? d.toPlainString() : d.toString();
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        int plain = 0;
        while (plain < s.length()) {
            char c = s.charAt(plain);
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
            plain++;
        }
        out.append(s, 0, plain); // most text needs no escape: copied at once
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    static String sha256(String s) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
