package dev.spendgate.domain.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Review (session 26, proxy keys): a platform team's pipeline creates a key with {@code POST /admin/keys} and hands
 * the secret to a service that calls at once. In AWS the gateway's key store is {@link CachingKeyStore} over {@code
 * DynamoDbKeyStore}, whose {@code findByHash} is an eventually consistent GetItem of the hash item (no {@code
 * ConsistentRead}); DynamoDB documents that such a read "might not reflect the results of a recently completed write"
 * (usually for well under a second). {@link CachingKeyStore} keeps every look-up, a miss included, for {@code
 * SPENDGATE_KEY_CACHE_SECONDS} (30 s): one read inside that short window becomes half a minute of 401 "Invalid
 * Spendgate key." for a key that exists, on that warm instance. The fake below is that store: the next {@link
 * DynamoLikeStore#staleHashReads} hash-item reads return the item as it was before the last write (for a new key:
 * none).
 */
class CachingKeyStoreNewKeyReviewTest {
    private static final String SECRET = "sg-" + "d".repeat(64);
    private static final ProxyKey KEY = new ProxyKey(
            "key_3",
            ProxyKeys.hash(SECRET),
            "billing-bot",
            "prod",
            null,
            new Attribution("invoices", "finance", null, "prod", null, null, null),
            true,
            Instant.parse("2026-12-06T10:00:00Z"));

    @Test
    void newKey_firstCallReadsBeforeTheStoreIsConsistent_isAcceptedOnceItIs() {
        DynamoLikeStore remote = new DynamoLikeStore();
        Instant[] now = {Instant.parse("2026-12-06T10:00:00Z")};
        CachingKeyStore keys = new CachingKeyStore(remote, Duration.ofSeconds(30), clock(now));

        keys.create(KEY); // POST /admin/keys on this warm instance
        remote.staleHashReads.set(1); // the service's first call lands in DynamoDB's consistency window
        assertThat(keys.findByHash(KEY.keyHash()))
                .as("the first call, read a moment after the write")
                .isEmpty();

        now[0] = now[0].plusSeconds(2); // the service retries 2 s later; the store has long been consistent
        assertThat(remote.hashItems).containsKey(KEY.keyHash());
        assertThat(keys.findByHash(KEY.keyHash()))
                .as("the key 2 s after it was created, the store consistent again")
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());
    }

    private static Clock clock(Instant[] now) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
    }

    /**
     * DynamoDbKeyStore's reads: {@code findById} is the (consistent) id item, then {@code findByHash}; the hash item
     * read is eventually consistent, modelled as the next {@link #staleHashReads} reads returning the item as it was
     * before the last write (absent for a key just created).
     */
    private static final class DynamoLikeStore implements KeyStore {
        final Map<String, ProxyKey> hashItems = new ConcurrentHashMap<>();
        private final Map<String, Optional<ProxyKey>> beforeLastWrite = new ConcurrentHashMap<>();
        private final Map<String, String> idItems = new ConcurrentHashMap<>();
        final AtomicInteger staleHashReads = new AtomicInteger();

        @Override
        public void create(ProxyKey key) {
            idItems.put(key.id(), key.keyHash());
            beforeLastWrite.put(key.keyHash(), Optional.empty());
            hashItems.put(key.keyHash(), key);
        }

        @Override
        public Optional<ProxyKey> findByHash(String keyHash) {
            if (staleHashReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return beforeLastWrite.getOrDefault(keyHash, Optional.empty());
            }
            return Optional.ofNullable(hashItems.get(keyHash));
        }

        @Override
        public Optional<ProxyKey> findById(String id) {
            String hash = idItems.get(id);
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
            beforeLastWrite.put(hash, Optional.of(before));
            hashItems.put(hash, before.withEnabled(false));
            return true;
        }
    }
}
