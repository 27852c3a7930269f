package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.store.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ObjectStore} must do. Extend it once per adapter and return a fresh, empty store from
 * {@link #newStore()} (for a shared server: a new bucket or directory per call).
 */
public abstract class ObjectStoreContract {
    /** A usage-log key as the gateway writes it: Hive-style {@code =} partitions and '/' separators. */
    protected static final String USAGE_KEY = "usage/v1/year=2026/month=11/day=28/hour=15/x.ndjson.gz";

    private ObjectStore store;

    /** A fresh, empty store; called before every test. */
    protected abstract ObjectStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    /** The store under test, as returned by {@link #newStore()} for this test. */
    protected ObjectStore store() {
        return store;
    }

    @Test
    void put_binaryContent_getReturnsIdenticalBytes() {
        byte[] content = new byte[256 * 4];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }

        store.put("blobs/all-bytes.bin", content);

        assertThat(store.get("blobs/all-bytes.bin"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(content));
    }

    @Test
    void put_gzipUsageKeyWithEqualsAndSlashes_roundTrips() {
        byte[] content = gzip("{\"model\":\"gpt-4o\"}\n{\"model\":\"claude\"}\n");

        store.put(USAGE_KEY, content);

        assertThat(store.get(USAGE_KEY)).hasValueSatisfying(v -> assertThat(v).isEqualTo(content));
        assertThat(store.list("usage/v1/year=2026/month=11/")).containsExactly(USAGE_KEY);
    }

    @Test
    void put_emptyContent_getReturnsEmptyArray() {
        store.put("empty/object", new byte[0]);

        assertThat(store.get("empty/object"))
                .hasValueSatisfying(v -> assertThat(v).isEmpty());
    }

    @Test
    void put_largeIncompressibleContent_roundTrips() {
        byte[] content = new byte[1024 * 1024 + 17];
        new Random(42).nextBytes(content);

        store.put("large/object.bin", content);

        assertThat(store.get("large/object.bin"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(content));
    }

    @Test
    void put_sameKeyTwice_lastContentWins() {
        store.put("reports/2026-11.csv", utf8("first"));

        store.put("reports/2026-11.csv", utf8("second, longer than the first"));

        assertThat(store.get("reports/2026-11.csv"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("second, longer than the first")));
        assertThat(store.list("reports/")).containsExactly("reports/2026-11.csv");
    }

    @Test
    void open_largeIncompressibleContent_streamsIdenticalBytes() throws IOException {
        byte[] content = new byte[3 * 1024 * 1024 + 5];
        new Random(7).nextBytes(content);
        store.put("aggregates/v1/day=2026-10-15/waste.json.gz", content);

        try (InputStream in =
                store.open("aggregates/v1/day=2026-10-15/waste.json.gz").orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void open_missingKeyOrPrefixOfAKey_returnsEmpty() {
        store.put("findings/2026/11/waste.json", utf8("{}"));

        assertThat(store.open("no/such/object")).isEmpty();
        assertThat(store.open("findings/2026/11")).isEmpty();
    }

    @Test
    void open_closedBeforeItsEnd_manyTimes_storeStillServes() throws IOException {
        byte[] content = new byte[1024 * 1024];
        new Random(11).nextBytes(content);
        store.put("large/object.bin", content);

        for (int i = 0; i < 60; i++) {
            try (InputStream in = store.open("large/object.bin").orElseThrow()) {
                assertThat(in.read()).isEqualTo(content[0] & 0xff);
            }
        }

        assertThat(store.get("large/object.bin"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(content));
        assertThat(store.list("large/")).containsExactly("large/object.bin");
    }

    @Test
    void get_missingKey_returnsEmpty() {
        assertThat(store.get("no/such/object")).isEmpty();
    }

    @Test
    void get_prefixOfAnExistingKey_returnsEmpty() {
        store.put("findings/2026/11/waste.json", utf8("{}"));

        assertThat(store.get("findings/2026/11")).isEmpty();
    }

    @Test
    void list_prefix_returnsMatchingKeysInLexicographicOrder() {
        store.put("usage/v1/year=2026/month=11/day=28/hour=15/b.ndjson.gz", utf8("b"));
        store.put("usage/v1/year=2026/month=11/day=28/hour=09/a.ndjson.gz", utf8("a"));
        store.put("usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz", utf8("a"));
        store.put("usage/v1/year=2026/month=11/day=3/hour=00/z.ndjson.gz", utf8("z"));

        assertThat(store.list("usage/v1/year=2026/month=11/"))
                .containsExactly(
                        "usage/v1/year=2026/month=11/day=28/hour=09/a.ndjson.gz",
                        "usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz",
                        "usage/v1/year=2026/month=11/day=28/hour=15/b.ndjson.gz",
                        "usage/v1/year=2026/month=11/day=3/hour=00/z.ndjson.gz");
    }

    @Test
    void list_prefix_doesNotReturnKeysOfOtherPrefixes() {
        store.put("usage/v1/year=2026/month=11/day=28/x.ndjson.gz", utf8("in"));
        store.put("usage/v1/year=2026/month=10/day=28/x.ndjson.gz", utf8("other month"));
        store.put("usage/v2/year=2026/month=11/day=28/x.ndjson.gz", utf8("other version"));
        store.put("findings/usage/v1/year=2026/month=11/x.json", utf8("other root"));

        assertThat(store.list("usage/v1/year=2026/month=11/"))
                .containsExactly("usage/v1/year=2026/month=11/day=28/x.ndjson.gz");
    }

    @Test
    void listWithSizes_prefix_givesTheKeysOfListWithEachObjectsSize() {
        store.put("usage/v1/year=2026/month=11/day=28/hour=15/b.ndjson.gz", new byte[70_001]);
        store.put("usage/v1/year=2026/month=11/day=28/hour=09/a.ndjson.gz", utf8("a"));
        store.put("usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz", new byte[0]);
        store.put("usage/v1/year=2026/month=10/day=28/hour=15/a.ndjson.gz", utf8("other month"));

        assertThat(store.listWithSizes("usage/v1/year=2026/month=11/"))
                .containsExactly(
                        new ObjectStore.Listed("usage/v1/year=2026/month=11/day=28/hour=09/a.ndjson.gz", 1),
                        new ObjectStore.Listed("usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz", 0),
                        new ObjectStore.Listed("usage/v1/year=2026/month=11/day=28/hour=15/b.ndjson.gz", 70_001));
        assertThat(store.listWithSizes("nothing-here/")).isEmpty();
    }

    @Test
    void list_prefixEndingInsideASegment_matchesByCharacters() {
        store.put("reports/2026-1/summary.pdf", utf8("a"));
        store.put("reports/2026-11.pdf", utf8("b"));
        store.put("reports/2026-2.pdf", utf8("c"));
        store.put("reports-archive/2026-1.pdf", utf8("d"));

        assertThat(store.list("reports/2026-1")).containsExactly("reports/2026-1/summary.pdf", "reports/2026-11.pdf");
        assertThat(store.list("reports")).hasSize(4);
    }

    @Test
    void list_emptyPrefix_returnsEveryKeySorted() {
        store.put("b/2", utf8("x"));
        store.put("a", utf8("x"));
        store.put("b/1", utf8("x"));
        store.put("a-b/c", utf8("x"));

        assertThat(store.list("")).containsExactly("a", "a-b/c", "b/1", "b/2");
    }

    @Test
    void list_noMatchingKey_returnsEmptyList() {
        store.put("usage/v1/x.ndjson.gz", utf8("x"));

        assertThat(store.list("usage/v2/")).isEmpty();
        assertThat(store.list("nothing-here/")).isEmpty();
    }

    @Test
    void list_emptyStore_returnsEmptyList() {
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void put_keyWithSpacePlusAndUnicode_roundTripsAndLists() {
        String key = "reports/Q4 2026/costs+fees/r\u00e9sum\u00e9.csv";

        store.put(key, utf8("cost"));

        assertThat(store.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("cost")));
        assertThat(store.list("reports/Q4 2026/")).containsExactly(key);
    }

    @Test
    void put_nullKeyOrContent_throws() {
        assertThatThrownBy(() -> store.put(null, utf8("x")))
                .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("a", null))
                .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class);
    }

    @Test
    void putIfAbsent_newKey_writesIt() {
        assertThat(store.putIfAbsent("claims/2026-11.json", utf8("first"))).isTrue();

        assertThat(store.get("claims/2026-11.json"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("first")));
    }

    @Test
    void putIfAbsent_existingKey_keepsTheObjectAndSaysSo() {
        store.put("claims/2026-11.json", utf8("first"));

        assertThat(store.putIfAbsent("claims/2026-11.json", utf8("second"))).isFalse();

        assertThat(store.get("claims/2026-11.json"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("first")));
    }

    /** Eight writers race on one key: exactly one creates it, and the object is that writer's. */
    @Test
    void putIfAbsent_racingWriters_exactlyOneWins() throws Exception {
        int writers = 8;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = utf8("writer-" + i);
                results.add(pool.submit(() -> {
                    start.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    return store.putIfAbsent("claims/race.json", content);
                }));
            }
            java.util.List<Integer> winners = new java.util.ArrayList<>();
            for (int i = 0; i < writers; i++) {
                if (results.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    winners.add(i);
                }
            }

            assertThat(winners).hasSize(1);
            assertThat(store.get("claims/race.json"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("writer-" + winners.get(0))));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void delete_existingKey_removesItSoPutIfAbsentWritesAgain() {
        store.put("claims/2026-11.json", utf8("first"));

        store.delete("claims/2026-11.json");

        assertThat(store.get("claims/2026-11.json")).isEmpty();
        assertThat(store.list("claims/")).isEmpty();
        assertThat(store.putIfAbsent("claims/2026-11.json", utf8("again"))).isTrue();
    }

    @Test
    void delete_missingKey_doesNothing() {
        store.put("claims/other.json", utf8("kept"));

        store.delete("claims/missing.json");

        assertThat(store.list("claims/")).containsExactly("claims/other.json");
    }

    protected static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    protected static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(utf8(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
