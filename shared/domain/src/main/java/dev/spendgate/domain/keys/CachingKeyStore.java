package dev.spendgate.domain.keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps hash look-ups of a remote key store for a short time, so the hot path of a warm Lambda makes no DynamoDB call
 * per request. A revocation reaches a running instance within {@code ttl}. Unknown hashes are cached too, so a client
 * retrying with a bad key cannot turn every request into a store read, but only for {@link #MISS_TTL} (or {@code ttl}
 * when shorter): a miss read while an eventually consistent store lagged behind a key's creation must not refuse that
 * key for the whole {@code ttl}. Writes go straight through.
 *
 * <p>A revocation on this instance takes effect at once: a look-up that read the store before it is not cached (each
 * revoke starts a new generation, and a look-up keeps what it read only within the generation it began in), and the
 * revoked key is read back by id and cached as revoked whatever the read returned, so an eventually consistent index
 * (a stale read-back, then a stale look-up) cannot bring it back.
 */
public final class CachingKeyStore implements KeyStore {
    private static final int MAX_ENTRIES = 10_000;
    /** How long an unknown hash is kept, at most: a key created elsewhere a moment ago is found on the next read. */
    static final Duration MISS_TTL = Duration.ofSeconds(1);

    private final KeyStore delegate;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    public CachingKeyStore(KeyStore delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<ProxyKey> findByHash(String keyHash) {
        Instant now = clock.instant();
        Entry entry = byHash.get(keyHash);
        if (entry != null && entry.freshAt(now, entry.key().isPresent() ? ttl : missTtl())) {
            return entry.key();
        }
        long began = generation.get();
        Optional<ProxyKey> key = delegate.findByHash(keyHash);
        if (byHash.size() >= MAX_ENTRIES) {
            byHash.clear();
        }
        Entry fresh = new Entry(key, now, began);
        // never over an entry of a later generation (the revoked key a revoke cached meanwhile)
        byHash.merge(keyHash, fresh, (old, mine) -> old.generation() > mine.generation() ? old : mine);
        if (generation.get() != began) {
            byHash.remove(keyHash, fresh); // a revoke ran meanwhile: what was read may be from before it
        }
        return key;
    }

    private Duration missTtl() {
        return ttl.compareTo(MISS_TTL) < 0 ? ttl : MISS_TTL;
    }

    /** Other instances keep a look-up for {@code ttl}: a key revoked here may still pass there that long. */
    @Override
    public Duration revocationDelay() {
        return ttl;
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
        long revokedIn = generation.incrementAndGet();
        byHash.clear();
        if (revoked) {
            // cached as revoked whatever flag the read-back shows: the delegate may read by an eventually consistent
            // index (DynamoDbKeyStore) and return the key as it was before the revoke that just succeeded
            delegate.findById(id)
                    .map(k -> k.withEnabled(false))
                    .ifPresent(k -> byHash.put(k.keyHash(), new Entry(Optional.of(k), clock.instant(), revokedIn)));
        }
        return revoked;
    }

    /** A look-up's result as read at {@code readAt}, from the revoke generation it was read in. */
    private record Entry(Optional<ProxyKey> key, Instant readAt, long generation) {
        /** Within {@code ttl} of the read; not before it (a clock stepped back would keep it for the step's length). */
        boolean freshAt(Instant now, Duration ttl) {
            return !now.isBefore(readAt) && now.isBefore(readAt.plus(ttl));
        }
    }
}
