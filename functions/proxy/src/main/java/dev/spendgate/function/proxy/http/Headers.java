package dev.spendgate.function.proxy.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/** A case-insensitive multimap of HTTP header names to values, in insertion order per name. */
public final class Headers {
    /**
     * Each name's one value as itself, or its values in a list: most names have one, and a list per name was a few
     * per cent of a gateway call's allocation with the request's and the response's headers.
     */
    private final Map<String, Object> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    public static Headers of(Map<String, List<String>> source) {
        Headers headers = new Headers();
        if (source != null) {
            source.forEach((name, list) -> {
                if (name != null && list != null) {
                    list.forEach(v -> headers.add(name, v));
                }
            });
        }
        return headers;
    }

    /**
     * A name's one value as itself, or its values in an {@code ArrayList} once it has several (or a null value):
     * never a bare null, so a null look-up means an absent name.
     */
    @SuppressWarnings("unchecked")
    public Headers add(String name, String value) {
        Object old = values.get(name);
        if (old == null) {
            values.put(name, value == null ? list(null) : value);
        } else if (old instanceof List<?> list) {
            ((List<String>) list).add(value);
        } else {
            List<String> list = list((String) old);
            list.add(value);
            values.put(name, list);
        }
        return this;
    }

    public Headers set(String name, String value) {
        values.put(name, value == null ? list(null) : value);
        return this;
    }

    private static List<String> list(String first) {
        List<String> list = new ArrayList<>(2);
        list.add(first);
        return list;
    }

    /** The first value, or null. */
    public String first(String name) {
        Object v = values.get(name);
        return v instanceof List<?> list ? (list.isEmpty() ? null : (String) list.get(0)) : (String) v;
    }

    @SuppressWarnings("unchecked")
    public List<String> all(String name) {
        Object v = values.get(name);
        if (v == null) {
            return List.of();
        }
        return v instanceof List<?> list
                ? Collections.unmodifiableList((List<String>) list)
                : Collections.singletonList((String) v);
    }

    public boolean contains(String name) {
        return values.containsKey(name);
    }

    public void remove(String name) {
        values.remove(name);
    }

    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<String, String> action) {
        values.forEach((name, v) -> {
            if (v instanceof List<?> list) {
                ((List<String>) list).forEach(value -> action.accept(name, value));
            } else {
                action.accept(name, (String) v);
            }
        });
    }

    /** The names and their values (a copy). */
    public Map<String, List<String>> asMap() {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        values.keySet().forEach(name -> copy.put(name, all(name)));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Whether a lower-cased name is one of this gateway's own response headers ({@code X-Spendgate-*}): an upstream's
     * (another gateway chained behind this one) are dropped from its answer, so that the client reads only this
     * gateway's figures under those names.
     */
    public static boolean isSpendgates(String lowerName) {
        return lowerName.startsWith("x-spendgate-");
    }

    /**
     * The fields this message's {@code Connection} field names (lower-cased): they belong to the connection it came
     * on, and a proxy removes them before forwarding the message, in either direction (RFC 9110 7.6.1).
     */
    public java.util.Set<String> connectionNamed() {
        List<String> connection = all("connection");
        if (connection.isEmpty()) {
            return java.util.Set.of();
        }
        java.util.Set<String> named = new java.util.HashSet<>();
        for (String value : connection) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    named.add(lower(token.trim()));
                }
            }
        }
        return named;
    }

    /** Lower-cased names, for matching prefixes such as {@code x-cost-}. */
    public static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
