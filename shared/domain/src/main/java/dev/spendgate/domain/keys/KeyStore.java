package dev.spendgate.domain.keys;

import java.util.List;
import java.util.Optional;

/** Where proxy keys live. Only the key's SHA-256 hash is ever stored; the secret is shown once at creation. */
public interface KeyStore {

    /** Stores a new key. Throws {@link IllegalStateException} when the id or hash already exists. */
    void create(ProxyKey key);

    /** The key whose secret hashes to {@code keyHash}, enabled or not. */
    Optional<ProxyKey> findByHash(String keyHash);

    /** The key with this id. */
    Optional<ProxyKey> findById(String id);

    /** Every key, ordered by creation time then id. */
    List<ProxyKey> list();

    /** Disables the key; returns false when no key has this id. Revoking twice is harmless. */
    boolean revoke(String id);

    /**
     * How long after a {@link #revoke} other running gateways (warm Lambda instances) may still accept the key: the
     * time they trust a cached look-up. Zero for a store every reader reads directly.
     */
    default java.time.Duration revocationDelay() {
        return java.time.Duration.ZERO;
    }
}
