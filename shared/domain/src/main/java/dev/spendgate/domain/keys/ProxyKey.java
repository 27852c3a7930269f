package dev.spendgate.domain.keys;

import dev.spendgate.domain.attribution.Attribution;
import java.time.Instant;
import java.util.Objects;

/**
 * A client's Spendgate key. {@code keyHash} is the lowercase hex SHA-256 of the secret ({@link ProxyKeys#hash});
 * {@code defaults} fills attribution the caller's headers leave out.
 */
public record ProxyKey(
        String id,
        String keyHash,
        String name,
        String environment,
        String owner,
        Attribution defaults,
        boolean enabled,
        Instant createdAt) {

    public ProxyKey {
        requireText(id, "id");
        requireText(keyHash, "keyHash");
        requireText(name, "name");
        requireText(environment, "environment");
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!keyHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("keyHash must be 64 lowercase hex characters");
        }
    }

    public ProxyKey withEnabled(boolean value) {
        return new ProxyKey(id, keyHash, name, environment, owner, defaults, value, createdAt);
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
