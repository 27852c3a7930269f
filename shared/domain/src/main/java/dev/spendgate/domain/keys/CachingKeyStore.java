package dev.spendgate.domain.keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps hash look-ups of a remote key store for a short time, so the hot path of a warm Lambda makes no DynamoDB call
 * per request. A revocation reaches a running instance within {@code ttl}; unknown hashes are cached too, so a
 * client retrying with a bad key cannot turn every request into a store read. Writes go straight through.
 */
public final class CachingKeyStore implements KeyStore {
    private static final int MAX_ENTRIES = 10_000;

    private final KeyStore delegate;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();

    public CachingKeyStore(KeyStore delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<ProxyKey> findByHash(String keyHash) {
        Instant now = clock.instant();
        Entry entry = byHash.get(keyHash);
        if (entry != null && now.isBefore(entry.expires())) {
            return entry.key();
        }
        Optional<ProxyKey> key = delegate.findByHash(keyHash);
        if (byHash.size() >= MAX_ENTRIES) {
            byHash.clear();
        }
        byHash.put(keyHash, new Entry(key, now.plus(ttl)));
        return key;
    }

    @Override
    public void create(ProxyKey key) {
        delegate.create(key);
        byHash.remove(key.keyHash());
    }

    @Override
    public Optional<ProxyKey> findById(String id) {
        return delegate.findById(id);
    }

    @Override
    public List<ProxyKey> list() {
        return delegate.list();
    }

    @Override
    public boolean revoke(String id) {
        boolean revoked = delegate.revoke(id);
        byHash.clear();
        return revoked;
    }

    private record Entry(Optional<ProxyKey> key, Instant expires) {}
}
