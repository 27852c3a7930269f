package dev.spendgate.domain.cache;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the response cache keeps answers: on disk locally, in DynamoDB with TTL in AWS. Answers are looked up by
 * exact key; the semantic index lists, per shared-prefix key, the questions answered behind that prefix. Expired
 * entries are never returned, whether or not they are deleted yet.
 */
public interface ResponseCacheStore {
    /** The unexpired answer under {@code key}. */
    Optional<CachedAnswer> get(String key, Instant now);

    /**
     * Keeps an answer until its expiry. At most {@code maxEntries} answers of its feature are kept: past that the
     * oldest go first (adapters that cannot count per feature document what bounds them instead).
     */
    void put(CachedAnswer answer, int maxEntries);

    /** The unexpired questions answered behind a shared prefix, newest first. */
    List<SemanticEntry> similar(String prefixKey, Instant now);

    /** Adds a question to a shared prefix's index, keeping the newest {@code maxPerPrefix}. */
    void index(String prefixKey, SemanticEntry entry, int maxPerPrefix, Instant now);
}
