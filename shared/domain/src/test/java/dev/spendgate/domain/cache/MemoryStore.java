package dev.spendgate.domain.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A map-backed store for the domain's tests; the real adapters run the contract in shared/testing. */
final class MemoryStore implements ResponseCacheStore {
    final Map<String, CachedAnswer> answers = new HashMap<>();
    final Map<String, List<SemanticEntry>> index = new HashMap<>();
    RuntimeException failure;

    @Override
    public Optional<CachedAnswer> get(String key, Instant now) {
        fail();
        CachedAnswer a = answers.get(key);
        return a == null || a.expiredAt(now) ? Optional.empty() : Optional.of(a);
    }

    @Override
    public void put(CachedAnswer answer, int maxEntries) {
        fail();
        answers.put(answer.key(), answer);
    }

    @Override
    public List<SemanticEntry> similar(String prefixKey, Instant now) {
        fail();
        return index.getOrDefault(prefixKey, List.of()).stream()
                .filter(e -> now.isBefore(e.expiresAt()))
                .toList();
    }

    @Override
    public void index(String prefixKey, SemanticEntry entry, int maxPerPrefix, Instant now) {
        fail();
        index.computeIfAbsent(prefixKey, k -> new ArrayList<>()).add(0, entry);
    }

    private void fail() {
        if (failure != null) {
            throw failure;
        }
    }
}
