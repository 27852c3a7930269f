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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingKeyStoreTest {
    private static final String SECRET = "sg-" + "a".repeat(64);
    private static final ProxyKey KEY = new ProxyKey(
            "key_1",
            ProxyKeys.hash(SECRET),
            "support bot",
            "prod",
            null,
            new Attribution("faq", "support", null, "prod", null, null, null),
            true,
            Instant.parse("2026-12-01T00:00:00Z"));

    @Test
    void revoke_whileAnotherCallIsReadingTheKey_theRevokedKeyIsNotAcceptedAfterwards() throws Exception {
        SlowStore remote = new SlowStore();
        remote.create(KEY);
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
        CachingKeyStore keys = new CachingKeyStore(remote, Duration.ofSeconds(30), clock);

        // a call reads the key from the store (a DynamoDB read of a few ms) while an admin revokes it
        remote.pauseNextRead = true;
        CompletableFuture<Optional<ProxyKey>> inFlight =
                CompletableFuture.supplyAsync(() -> keys.findByHash(KEY.keyHash()));
        assertThat(remote.read.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(keys.revoke("key_1")).isTrue();
        remote.release.countDown();
        inFlight.get(5, TimeUnit.SECONDS);

        // every later call on this instance, within the 30 s the cache keeps a look-up
        assertThat(keys.findByHash(KEY.keyHash())).hasValueSatisfying(k -> assertThat(k.enabled())
                .as("the key was revoked on this very instance")
                .isFalse());
    }

    @Test
    void revoke_whileAnotherCallIsReadingTheKey_anIndexStillShowingItEnabledDoesNotBringItBack() throws Exception {
        SlowStore remote = new SlowStore();
        remote.create(KEY);
        remote.staleIndex = true; // DynamoDB's hash index is eventually consistent: it still shows the key enabled
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
        CachingKeyStore keys = new CachingKeyStore(remote, Duration.ofSeconds(30), clock);

        remote.pauseNextRead = true;
        CompletableFuture<Optional<ProxyKey>> inFlight =
                CompletableFuture.supplyAsync(() -> keys.findByHash(KEY.keyHash()));
        assertThat(remote.read.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(keys.revoke("key_1")).isTrue();
        remote.release.countDown();
        inFlight.get(5, TimeUnit.SECONDS);

        // the revoke cached the key as revoked (read back by id) so that the lagging index cannot bring it back
        assertThat(keys.findByHash(KEY.keyHash())).hasValueSatisfying(k -> assertThat(k.enabled())
                .as("the key was revoked on this very instance")
                .isFalse());
    }

    @Test
    void clockSteppedBackAnHour_aKeyRevokedElsewhereIsRefusedWithinTheCacheTime() {
        SlowStore remote = new SlowStore();
        remote.create(KEY);
        Instant[] now = {Instant.parse("2026-12-05T10:00:00Z")};
        Clock clock = new Clock() {
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
        CachingKeyStore keys = new CachingKeyStore(remote, Duration.ofSeconds(30), clock);
        assertThat(keys.findByHash(KEY.keyHash()))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());

        now[0] = now[0].minus(Duration.ofHours(1)); // NTP corrects a clock that ran an hour ahead
        remote.revoke("key_1"); // `keys revoke` through another instance
        now[0] = now[0].plusSeconds(31);

        assertThat(keys.findByHash(KEY.keyHash())).hasValueSatisfying(k -> assertThat(k.enabled())
                .as("the key 31 s after it was revoked, with a 30 s cache")
                .isFalse());
    }

    @Test
    void unknownKey_retriedInATightLoop_readsTheStoreOncePerSecondNotPerCall() {
        SlowStore remote = new SlowStore();
        AtomicInteger reads = new AtomicInteger();
        KeyStore counting = new KeyStore() {
            @Override
            public void create(ProxyKey key) {
                remote.create(key);
            }

            @Override
            public Optional<ProxyKey> findByHash(String keyHash) {
                reads.incrementAndGet();
                return remote.findByHash(keyHash);
            }

            @Override
            public Optional<ProxyKey> findById(String id) {
                return remote.findById(id);
            }

            @Override
            public List<ProxyKey> list() {
                return remote.list();
            }

            @Override
            public boolean revoke(String id) {
                return remote.revoke(id);
            }
        };
        Instant[] now = {Instant.parse("2026-12-05T10:00:00Z")};
        CachingKeyStore keys = new CachingKeyStore(counting, Duration.ofSeconds(30), fixed(now));
        String unknown = ProxyKeys.hash("sg-" + "f".repeat(64));

        for (int i = 0; i < 50; i++) {
            assertThat(keys.findByHash(unknown)).isEmpty();
        }
        assertThat(reads)
                .as("store reads for 50 calls with an unknown key within a second")
                .hasValue(1);

        now[0] = now[0].plusSeconds(1);
        assertThat(keys.findByHash(unknown)).isEmpty();
        assertThat(reads).as("a miss is kept 1 s, not the 30 s a key is").hasValue(2);
    }

    private static Clock fixed(Instant[] now) {
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

    /** A key store whose next read can be held after it has read, as a remote read in flight. */
    private static final class SlowStore implements KeyStore {
        final Map<String, ProxyKey> byId = new ConcurrentHashMap<>();
        /** What the hash index still shows (the keys as created) while {@link #staleIndex}. */
        final Map<String, ProxyKey> index = new ConcurrentHashMap<>();

        volatile boolean staleIndex;
        final CountDownLatch read = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean pauseNextRead;

        @Override
        public void create(ProxyKey key) {
            byId.put(key.id(), key);
            index.put(key.id(), key);
        }

        @Override
        public Optional<ProxyKey> findByHash(String keyHash) {
            Optional<ProxyKey> found = (staleIndex ? index : byId)
                    .values().stream().filter(k -> k.keyHash().equals(keyHash)).findFirst();
            if (pauseNextRead) {
                pauseNextRead = false;
                read.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return found;
        }

        @Override
        public Optional<ProxyKey> findById(String id) {
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public List<ProxyKey> list() {
            return List.copyOf(byId.values());
        }

        @Override
        public boolean revoke(String id) {
            return byId.computeIfPresent(id, (i, k) -> k.withEnabled(false)) != null;
        }
    }
}
