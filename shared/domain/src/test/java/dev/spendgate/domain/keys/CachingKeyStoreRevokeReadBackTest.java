package dev.spendgate.domain.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A key revoked through {@code DELETE /admin/keys/{id}} (or the console's Revoke button, which says "the gateway
 * refuses it from now on") on a warm Lambda: {@link CachingKeyStore} promises that "a revocation on this instance takes
 * effect at once" and that the revoked key is "read back by id, so an eventually consistent index cannot bring it
 * back". Its AWS delegate, {@code DynamoDbKeyStore}, reads a key by id as a consistent read of the id item followed by
 * {@code findByHash}, an eventually consistent GetItem of the hash item (no {@code ConsistentRead}); DynamoDB documents
 * that such a read "might not reflect the results of a recently completed write". The fake below is that store: the
 * id item read is consistent, the hash item read may return the item as it was before the revoke for a moment.
 */
class CachingKeyStoreRevokeReadBackTest {
    private static final String SECRET = "sg-" + "b".repeat(64);
    private static final ProxyKey KEY = new ProxyKey(
            "key_2",
            ProxyKeys.hash(SECRET),
            "support bot",
            "prod",
            null,
            new Attribution("faq", "support", null, "prod", null, null, null),
            true,
            Instant.parse("2026-12-01T00:00:00Z"));

    @Test
    void revoke_hashItemReadLagsTheWrite_theInstanceThatRevokedRefusesTheKeyOnceTheStoreIsConsistent() {
        DynamoLikeStore remote = new DynamoLikeStore();
        remote.create(KEY);
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
        CachingKeyStore keys = new CachingKeyStore(remote, Duration.ofSeconds(30), clock);
        assertThat(keys.findByHash(KEY.keyHash()))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());

        // the revoke's read-back and the next call's read land in DynamoDB's short eventual-consistency window
        remote.staleHashReads.set(2);
        assertThat(keys.revoke("key_2")).isTrue();
        assertThat(keys.findByHash(KEY.keyHash()))
                .as("the next proxied call on that instance, while the store may still answer stale")
                .hasValueSatisfying(k -> assertThat(k.enabled()).isFalse());

        // the store is consistent again; the same instance, still within the 30 s it keeps a look-up, is asked again
        remote.staleHashReads.set(0);
        assertThat(remote.hashItem(KEY.keyHash()).enabled()).isFalse();
        assertThat(keys.findByHash(KEY.keyHash()))
                .as("a proxied call with the revoked key, on the instance that revoked it, after the store caught up")
                .hasValueSatisfying(k -> assertThat(k.enabled()).isFalse());
    }

    /**
     * DynamoDbKeyStore's reads: {@code findById} is the (consistent) id item, then {@code findByHash}; the hash item
     * read is eventually consistent, modelled as the next {@link #staleHashReads} reads returning the item as it was
     * before the last write.
     */
    private static final class DynamoLikeStore implements KeyStore {
        private final Map<String, ProxyKey> hashItems = new ConcurrentHashMap<>();
        private final Map<String, ProxyKey> beforeLastWrite = new ConcurrentHashMap<>();
        private final Map<String, String> idItems = new ConcurrentHashMap<>();
        final AtomicInteger staleHashReads = new AtomicInteger();

        ProxyKey hashItem(String hash) {
            return hashItems.get(hash);
        }

        @Override
        public void create(ProxyKey key) {
            idItems.put(key.id(), key.keyHash());
            hashItems.put(key.keyHash(), key);
            beforeLastWrite.put(key.keyHash(), key);
        }

        @Override
        public Optional<ProxyKey> findByHash(String keyHash) {
            if (staleHashReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return Optional.ofNullable(beforeLastWrite.get(keyHash));
            }
            return Optional.ofNullable(hashItems.get(keyHash));
        }

        @Override
        public Optional<ProxyKey> findById(String id) {
            String hash = idItems.get(id); // consistent read of the id item
            return hash == null ? Optional.empty() : findByHash(hash).filter(k -> k.id().equals(id));
        }

        @Override
        public List<ProxyKey> list() {
            return List.copyOf(hashItems.values());
        }

        @Override
        public boolean revoke(String id) {
            String hash = idItems.get(id);
            if (hash == null) {
                return false;
            }
            ProxyKey before = hashItems.get(hash);
            beforeLastWrite.put(hash, before);
            hashItems.put(hash, before.withEnabled(false));
            return true;
        }
    }
}
