package dev.spendgate.function.proxy.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Query strings and url-encoded form bodies, first value of each name. */
final class Params {
    private final Map<String, String> values;

    private Params(Map<String, String> values) {
        this.values = values;
    }

    static Params parse(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        if (encoded != null && !encoded.isEmpty()) {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.putIfAbsent(name, value);
            }
        }
        return new Params(values);
    }

    static Params form(byte[] body) {
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
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
