package dev.spendgate.function.proxy.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Query strings and url-encoded form bodies, first value of each name. A name or value that is not valid URL encoding
 * (a {@code %} not followed by two hex digits, or bytes that are not UTF-8) is not guessed at: {@link #malformed()}
 * names it, for the console to refuse the request rather than drop the field and show or save something else.
 */
final class Params {
    private final Map<String, String> values;
    private final String malformed;

    private Params(Map<String, String> values, String malformed) {
        this.values = values;
        this.malformed = malformed;
    }

    static Params parse(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        String malformed = null;
        if (encoded != null && !encoded.isEmpty()) {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String rawName = eq < 0 ? pair : pair.substring(0, eq);
                String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
                String name = decode(rawName);
                String value = decode(rawValue);
                if (malformed == null && (name == null || value == null)) {
                    malformed = "Invalid '" + (name == null ? rawName : name) + "': \""
                            + (name == null ? rawName : rawValue)
                            + "\" is not URL-encoded text (a % must begin %XX with two hex digits; write % itself as"
                            + " %25); nothing was shown or changed.";
                }
                if (name != null) {
                    values.putIfAbsent(name, value == null ? "" : value);
                }
            }
        }
        return new Params(values, malformed);
    }

    /** The error naming the first field that is not valid URL encoding, or null when every one is. */
    String malformed() {
        return malformed;
    }

    static Params form(byte[] body) {
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    /** The decoded text, or null when it is not valid URL encoding. */
    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The trimmed value, or null when absent or blank. */
    String get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    String get(String name, String fallback) {
        String v = get(name);
        return v == null ? fallback : v;
    }
}
