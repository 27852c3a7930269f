package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * How much heap a body's JSON tree will take, read from its tokens before the tree is built, so that a body whose
 * tree would not fit can be refused first. An upper bound, as {@link Json#MAPPER} builds the tree (numbers as
 * BigInteger and BigDecimal): a fixed size per node, plus the body's own length for the text the nodes keep (a
 * Latin-1 string's characters never take more heap than their UTF-8 bytes, nor a number's digits), twice that when a
 * string may hold a character beyond Latin-1 (then Java keeps it two bytes a character).
 *
 * <p>Measured on Java 25 (compressed references), heap per element of a large array: an empty object 91 bytes
 * (counted here 107), an empty array 53 (67), a five-digit integer 85 (110), {@code 0.5} 61 (84), prose 1 byte a
 * character (1). 10 MB of {@code [{},{},...]} builds about 300 MB of tree and is counted as 350 MB.
 */
public final class JsonTreeSize {
    private static final int SLOT = 8; // a reference in the parent's array or table, with its growth
    private static final int OBJECT = 96; // ObjectNode and its empty LinkedHashMap
    private static final int FIRST_FIELD = 80; // the map's first table
    private static final int FIELD = 88; // map entry and the name's own String
    private static final int ARRAY = 56; // ArrayNode, ArrayList and its first array
    private static final int STRING = 56; // TextNode and String
    private static final int INTEGER = 96; // BigIntegerNode, BigInteger and its magnitude
    private static final int DECIMAL = 72; // DecimalNode and BigDecimal

    private JsonTreeSize() {}

    /** The tree's size in bytes, at most; throws as the parse would for a body that is not JSON. */
    public static long of(byte[] raw) throws IOException {
        long bytes = latin1Only(raw) ? raw.length : 2L * raw.length;
        JsonToken previous = null;
        try (JsonParser p = Json.MEASURING.createParser(raw)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                bytes += switch (t) {
                    case START_OBJECT -> SLOT + OBJECT;
                    case START_ARRAY -> SLOT + ARRAY;
                    case FIELD_NAME -> FIELD + (previous == JsonToken.START_OBJECT ? FIRST_FIELD : 0);
                    case VALUE_STRING -> SLOT + STRING;
                    case VALUE_NUMBER_INT -> SLOT + INTEGER;
                    case VALUE_NUMBER_FLOAT -> SLOT + DECIMAL;
                    case VALUE_TRUE, VALUE_FALSE, VALUE_NULL, VALUE_EMBEDDED_OBJECT -> SLOT;
                    default -> 0; // END_OBJECT, END_ARRAY, NOT_AVAILABLE
                };
                previous = t;
            }
        }
        return bytes;
    }

    /**
     * Whether every string of the body holds only Latin-1 characters, which Java stores a byte each: no UTF-8 lead
     * byte of a character above U+00FF (0xC4 and up) and no {@code \\u} escape. One other character makes its whole
     * String two bytes a character, up to twice its UTF-8 length.
     */
    private static boolean latin1Only(byte[] raw) {
        for (int i = 0; i < raw.length; i++) {
            int b = raw[i] & 0xff;
            if (b >= 0xC4 || (b == '\\' && i + 1 < raw.length && raw[i + 1] == 'u')) {
                return false;
            }
        }
        return true;
    }
}
