package dev.spendgate.embedded;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local response cache's answers in fill order, per feature and in all, with their sizes on disk: the oldest fill
 * of a feature, or of the whole cache, found in O(log n), for {@link FileResponseCacheStore}'s limits. Fill sequence
 * numbers are unique across features. Not thread-safe: the store guards it.
 */
final class CacheFills {
    private record Fill(String feature, long seq, long bytes) {}

    private final Map<String, Fill> byKey = new HashMap<>();
    private final Map<String, TreeMap<Long, String>> byFeature = new HashMap<>();
    private final TreeMap<Long, String> all = new TreeMap<>();
    private long bytes;

    /** Adds a fill; a key filled again is now the newest fill (of its new feature). */
    void add(String feature, String key, long seq, long size) {
        remove(key);
        byKey.put(key, new Fill(feature, seq, size));
        byFeature.computeIfAbsent(feature, f -> new TreeMap<>()).put(seq, key);
        all.put(seq, key);
        bytes += size;
    }

    /** Forgets {@code key}; whether it was there. */
    boolean remove(String key) {
        Fill fill = byKey.remove(key);
        if (fill == null) {
            return false;
        }
        TreeMap<Long, String> ofFeature = byFeature.get(fill.feature());
        ofFeature.remove(fill.seq());
        if (ofFeature.isEmpty()) {
            byFeature.remove(fill.feature()); // a feature name used once leaves nothing behind
        }
        all.remove(fill.seq());
        bytes -= fill.bytes();
        return true;
    }

    /** How many answers {@code feature} has. */
    int count(String feature) {
        TreeMap<Long, String> ofFeature = byFeature.get(feature);
        return ofFeature == null ? 0 : ofFeature.size();
    }

    /** The oldest fill of {@code feature}; null when it has none. */
    String oldest(String feature) {
        TreeMap<Long, String> ofFeature = byFeature.get(feature);
        return ofFeature == null || ofFeature.isEmpty()
                ? null
                : ofFeature.firstEntry().getValue();
    }

    /** How many answers in all. */
    int count() {
        return byKey.size();
    }

    /** Their files' bytes in all. */
    long bytes() {
        return bytes;
    }

    /** The oldest fill of all; null when there is none. */
    String oldest() {
        return all.isEmpty() ? null : all.firstEntry().getValue();
    }
}
