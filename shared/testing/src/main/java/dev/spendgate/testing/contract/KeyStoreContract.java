package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyStore} must do. Extend it once per adapter: {@link #newStore()} returns a fresh, empty store
 * and {@link #reopenStore()} a second instance over the same storage, as another process (the CLI, another Lambda)
 * would see it.
 */
public abstract class KeyStoreContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");
    private static final Attribution FULL_DEFAULTS =
            new Attribution("support-bot", "customer-care", "team-a", "prod", "s-1", "alice@example.com", "run:7/b");

    private KeyStore store;

    /** A fresh, empty store; called before every test. */
    protected abstract KeyStore newStore();

    /** Another instance over the storage of the store {@link #newStore()} last returned. */
    protected abstract KeyStore reopenStore();

    /** How long a revocation made through another instance may take to become visible here; one second by default. */
    protected Duration revocationVisibility() {
        return Duration.ofSeconds(1);
    }

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Test
    void create_thenFindByHash_returnsEqualKey() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);

        store.create(key);

        assertThat(store.findByHash(ProxyKeys.hash("sg-secret-1"))).contains(key);
    }

    @Test
    void create_thenFindById_returnsEqualKey() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);

        store.create(key);

        assertThat(store.findById("key_000000000001")).contains(key);
    }

    @Test
    void find_unknownHashOrId_returnsEmpty() {
        store.create(key("key_000000000001", "sg-secret-1", T0));

        assertThat(store.findByHash(ProxyKeys.hash("sg-other"))).isEmpty();
        assertThat(store.findById("key_999999999999")).isEmpty();
    }

    @Test
    void create_duplicateId_throwsIllegalStateExceptionAndKeepsFirstKey() {
        ProxyKey first = key("key_000000000001", "sg-secret-1", T0);
        store.create(first);

        assertThatThrownBy(() -> store.create(key("key_000000000001", "sg-secret-2", T0.plusSeconds(1))))
                .isInstanceOf(IllegalStateException.class);

        assertThat(store.findById("key_000000000001")).contains(first);
        assertThat(store.findByHash(ProxyKeys.hash("sg-secret-2"))).isEmpty();
        assertThat(store.list()).containsExactly(first);
    }

    @Test
    void create_duplicateHash_throwsIllegalStateExceptionAndKeepsFirstKey() {
        ProxyKey first = key("key_000000000001", "sg-secret-1", T0);
        store.create(first);

        assertThatThrownBy(() -> store.create(key("key_000000000002", "sg-secret-1", T0.plusSeconds(1))))
                .isInstanceOf(IllegalStateException.class);

        assertThat(store.findByHash(ProxyKeys.hash("sg-secret-1"))).contains(first);
        assertThat(store.findById("key_000000000002")).isEmpty();
        assertThat(store.list()).containsExactly(first);
    }

    @Test
    void create_afterFailedDuplicateHash_sameIdCanBeUsedWithNewSecret() {
        store.create(key("key_000000000001", "sg-secret-1", T0));
        assertThatThrownBy(() -> store.create(key("key_000000000002", "sg-secret-1", T0)))
                .isInstanceOf(IllegalStateException.class);

        ProxyKey retry = key("key_000000000002", "sg-secret-2", T0);
        store.create(retry);

        assertThat(store.findById("key_000000000002")).contains(retry);
    }

    @Test
    void list_emptyStore_returnsEmptyList() {
        assertThat(store.list()).isEmpty();
    }

    @Test
    void list_returnsKeysOrderedByCreationTimeThenId() {
        ProxyKey late = key("key_000000000001", "sg-1", T0.plusSeconds(60));
        ProxyKey earlyB = key("key_00000000000b", "sg-2", T0);
        ProxyKey earlyA = key("key_00000000000a", "sg-3", T0);
        ProxyKey earliest = key("key_00000000000z", "sg-4", T0.minusMillis(1));
        store.create(late);
        store.create(earlyB);
        store.create(earlyA);
        store.create(earliest);

        assertThat(store.list()).containsExactly(earliest, earlyA, earlyB, late);
    }

    @Test
    void revoke_existingKey_disablesItEverywhere() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);
        store.create(key);

        assertThat(store.revoke("key_000000000001")).isTrue();

        ProxyKey revoked = key.withEnabled(false);
        assertThat(store.findByHash(key.keyHash())).contains(revoked);
        assertThat(store.findById("key_000000000001")).contains(revoked);
        assertThat(store.list()).containsExactly(revoked);
    }

    @Test
    void revoke_twice_returnsTrueAndStaysDisabled() {
        store.create(key("key_000000000001", "sg-secret-1", T0));

        assertThat(store.revoke("key_000000000001")).isTrue();
        assertThat(store.revoke("key_000000000001")).isTrue();

        assertThat(store.findById("key_000000000001"))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isFalse());
    }

    @Test
    void revoke_unknownId_returnsFalse() {
        store.create(key("key_000000000001", "sg-secret-1", T0));

        assertThat(store.revoke("key_999999999999")).isFalse();
        assertThat(store.findById("key_000000000001"))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());
    }

    @Test
    void revoke_leavesOtherKeysEnabled() {
        store.create(key("key_000000000001", "sg-secret-1", T0));
        store.create(key("key_000000000002", "sg-secret-2", T0));

        store.revoke("key_000000000001");

        assertThat(store.findById("key_000000000002"))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());
    }

    @Test
    void create_disabledKey_staysDisabled() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0).withEnabled(false);

        store.create(key);

        assertThat(store.findByHash(key.keyHash())).contains(key);
    }

    @Test
    void create_fullDefaultsAndOwner_roundTrip() {
        ProxyKey key = new ProxyKey(
                "key_000000000001",
                ProxyKeys.hash("sg-secret-1"),
                "Support bot (prod)",
                "prod",
                "alice@example.com",
                FULL_DEFAULTS,
                true,
                T0);

        store.create(key);

        assertThat(store.findByHash(key.keyHash())).contains(key);
        assertThat(reopenStore().findById(key.id())).contains(key);
    }

    @Test
    void create_defaultsWithNullsAndNoOwner_roundTripAsNulls() {
        Attribution partial = new Attribution("support-bot", null, null, "dev", null, null, null);
        ProxyKey noOwner =
                new ProxyKey("key_000000000001", ProxyKeys.hash("sg-1"), "no owner", "dev", null, partial, true, T0);
        ProxyKey noDefaults = new ProxyKey(
                "key_000000000002", ProxyKeys.hash("sg-2"), "no defaults", "dev", null, Attribution.NONE, true, T0);

        store.create(noOwner);
        store.create(noDefaults);

        KeyStore reopened = reopenStore();
        assertThat(reopened.findById(noOwner.id())).contains(noOwner);
        assertThat(reopened.findById(noDefaults.id())).hasValueSatisfying(k -> {
            assertThat(k).isEqualTo(noDefaults);
            assertThat(k.defaults()).isEqualTo(Attribution.NONE);
            assertThat(k.owner()).isNull();
        });
    }

    @Test
    void create_createdAtWithNanoseconds_roundTripsExactly() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", Instant.parse("2026-11-28T15:00:00.123456789Z"));

        store.create(key);

        assertThat(store.findById(key.id()))
                .hasValueSatisfying(k -> assertThat(k.createdAt()).isEqualTo(key.createdAt()));
    }

    @Test
    void create_thenReopen_keyIsStillThere() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);
        store.create(key);

        KeyStore reopened = reopenStore();

        assertThat(reopened.findByHash(key.keyHash())).contains(key);
        assertThat(reopened.list()).containsExactly(key);
    }

    @Test
    void revoke_byAnotherInstance_isSeenWithinRevocationVisibility() throws InterruptedException {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);
        store.create(key);
        assertThat(store.findByHash(key.keyHash()))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());

        assertThat(reopenStore().revoke(key.id())).isTrue();

        long deadline = System.nanoTime() + revocationVisibility().toNanos();
        Optional<ProxyKey> seen = store.findByHash(key.keyHash());
        while (seen.map(ProxyKey::enabled).orElse(true) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            seen = store.findByHash(key.keyHash());
        }
        assertThat(seen).contains(key.withEnabled(false));
    }

    @Test
    void create_concurrentDistinctKeys_allStored() throws Exception {
        int threads = 4;
        int perThread = 5;
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            tasks.add(() -> {
                for (int i = 0; i < perThread; i++) {
                    String suffix = String.format("%02d%02d", thread, i);
                    store.create(key("key_00000000" + suffix, "sg-" + suffix, T0.plusSeconds(thread)));
                }
                return null;
            });
        }

        runAll(tasks);

        assertThat(store.list()).hasSize(threads * perThread);
    }

    @Test
    void create_concurrentSameHash_exactlyOneSucceeds() throws Exception {
        int threads = 4;
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String id = "key_0000000000" + t + "0";
            tasks.add(() -> {
                store.create(key(id, "sg-same-secret", T0));
                return null;
            });
        }

        List<Throwable> failures = runAll(tasks);

        assertThat(failures).hasSize(threads - 1).allSatisfy(f -> assertThat(f)
                .isInstanceOf(IllegalStateException.class));
        assertThat(store.list()).hasSize(1);
        String winner =
                store.findByHash(ProxyKeys.hash("sg-same-secret")).orElseThrow().id();
        for (int t = 0; t < threads; t++) {
            String id = "key_0000000000" + t + "0";
            assertThat(store.findById(id).isPresent()).as(id).isEqualTo(id.equals(winner));
        }
    }

    /** A key with defaults {@code feature=support-bot} created at {@code createdAt}. */
    protected static ProxyKey key(String id, String secret, Instant createdAt) {
        return new ProxyKey(
                id,
                ProxyKeys.hash(secret),
                "key " + id,
                "dev",
                "team-a@example.com",
                new Attribution("support-bot", "customer-care", null, null, null, null, null),
                true,
                createdAt);
    }

    private static List<Throwable> runAll(List<Callable<Void>> tasks) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Throwable> failures = new ArrayList<>();
            for (Future<Void> future : pool.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            return failures;
        } finally {
            pool.shutdownNow();
        }
    }
}
