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
    private final Map<String, List<String>> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

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

    public Headers add(String name, String value) {
        values.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        return this;
    }

    public Headers set(String name, String value) {
        List<String> list = new ArrayList<>(1);
        list.add(value);
        values.put(name, list);
        return this;
    }

    /** The first value, or null. */
    public String first(String name) {
        List<String> list = values.get(name);
        return list == null || list.isEmpty() ? null : list.get(0);
    }

    public List<String> all(String name) {
        List<String> list = values.get(name);
        return list == null ? List.of() : Collections.unmodifiableList(list);
    }

    public boolean contains(String name) {
        return values.containsKey(name);
    }

    public void remove(String name) {
        values.remove(name);
    }

    public void forEach(BiConsumer<String, String> action) {
        values.forEach((name, list) -> list.forEach(v -> action.accept(name, v)));
    }

    public Map<String, List<String>> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** Lower-cased names, for matching prefixes such as {@code x-cost-}. */
    public static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
