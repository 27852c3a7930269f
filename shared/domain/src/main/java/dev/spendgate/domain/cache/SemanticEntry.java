package dev.spendgate.domain.cache;

import java.time.Instant;
import java.util.Objects;

/** One answer in the semantic index of a shared prefix: its exact key and the sketch of the question it answered. */
public record SemanticEntry(String key, QuestionSimilarity.Sketch sketch, Instant expiresAt) {
    public SemanticEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sketch, "sketch");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
