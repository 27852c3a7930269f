package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class UsageLogReaderTest {
    private static final Instant T0 = Instant.parse("2026-11-10T08:00:00Z");
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final UsageLogReader reader = UsageLogReader.create(store);

    /** Each record in its start hour's partition, as every writer and Firehose put them. */
    @Test
    void read_window_isHalfOpenOnTsStart() {
        put("a", List.of(UsageRecords.priced("before", T0.minusMillis(1), "f", "gpt-4o", "1")));
        put(
                "b",
                List.of(
                        UsageRecords.priced("first", T0, "f", "gpt-4o", "1"),
                        UsageRecords.priced("last", T0.plusSeconds(3599), "f", "gpt-4o", "1")));
        put("c", List.of(UsageRecords.priced("after", T0.plusSeconds(3600), "f", "gpt-4o", "1")));
        List<String> ids = new ArrayList<>();
        reader.read(T0, T0.plusSeconds(3600), r -> ids.add(r.requestId()));
        assertThat(ids).containsExactly("first", "last");

        List<String> fromMidHour = new ArrayList<>();
        reader.read(T0.plusSeconds(1), T0.plusSeconds(3599), r -> fromMidHour.add(r.requestId()));
        assertThat(fromMidHour).isEmpty();
        reader.read(T0.plusSeconds(1), T0.plusSeconds(3600), r -> fromMidHour.add(r.requestId()));
        assertThat(fromMidHour).containsExactly("last");
    }

    @Test
    void read_sameRequestIdInTwoObjects_isDeliveredOnceAndCounted() {
        put("a", List.of(UsageRecords.priced("dup", T0, "f", "gpt-4o", "1")));
        put("b", List.of(UsageRecords.priced("dup", T0, "f", "gpt-4o", "1")));
        List<String> ids = new ArrayList<>();
        UsageLogReader.ReadStats stats = reader.read(T0, T0.plusSeconds(60), r -> ids.add(r.requestId()));
        assertThat(ids).containsExactly("dup");
        assertThat(stats.duplicates()).isEqualTo(1);
    }

    @Test
    void read_truncatedObjectAndBadLines_areSkippedWithCountedWarnings() throws Exception {
        put("good", List.of(UsageRecords.priced("ok", T0, "f", "gpt-4o", "1")));
        byte[] whole = UsageLogWriter.gzip(List.of(
                UsageRecords.priced("t1", T0, "f", "gpt-4o", "1"), UsageRecords.priced("t2", T0, "f", "gpt-4o", "1")));
        store.objects.put(UsageLayout.hourPrefix(T0) + "cut.ndjson.gz", Arrays.copyOf(whole, whole.length - 12));
        store.objects.put(UsageLayout.hourPrefix(T0) + "bad.ndjson.gz", gzip("not json\n{\"schema_version\":9}\n"));

        List<String> ids = new ArrayList<>();
        UsageLogReader.ReadStats stats = reader.read(T0, T0.plusSeconds(60), r -> ids.add(r.requestId()));

        assertThat(ids).contains("ok");
        assertThat(stats.unreadableObjects()).isEqualTo(1);
        assertThat(stats.malformedLines()).isGreaterThanOrEqualTo(2);
        assertThat(stats.warnings()).anySatisfy(w -> assertThat(w).contains("cut.ndjson.gz"));
    }

    /**
     * An object of several gzip members (objects joined byte for byte, as `cat` or an S3 multipart copy joins them),
     * fetched whole and streamed from a store that, like a socket, says nothing is ready between members: every
     * member's records arrive.
     */
    @Test
    void read_objectOfSeveralGzipMembers_deliversEveryMembersRecordsFetchedOrStreamed() throws Exception {
        byte[] joined = joined(
                UsageLogWriter.gzip(records("a", T0, 400)),
                UsageLogWriter.gzip(records("b", T0.plusSeconds(1), 1)),
                UsageLogWriter.gzip(records("c", T0.plusSeconds(2), 300)));
        store.objects.put(UsageLayout.hourPrefix(T0) + "joined.ndjson.gz", joined);
        UsageLogReader streaming = UsageLogReader.create(new ForwardingStore() {
            @Override
            public Optional<InputStream> open(String key) {
                return store.open(key).map(UsageLogReaderTest::trickle);
            }
        });

        List<String> fetched = new ArrayList<>();
        UsageLogReader.ReadStats whole = reader.read(T0, T0.plusSeconds(3600), r -> fetched.add(r.requestId()));
        List<String> streamed = new ArrayList<>();
        UsageLogReader.ReadStats stream =
                streaming.read(T0, T0.plusSeconds(3600), r -> streamed.add(r.requestId()), 8, joined.length / 2);

        assertThat(fetched).hasSize(701).containsExactlyElementsOf(streamed);
        assertThat(whole.unreadableObjects()).isZero();
        assertThat(stream).isEqualTo(whole);
    }

    /**
     * A later member's header is damaged: the records before it arrive and the object is counted unreadable with a
     * warning naming it, instead of ending there as if it were whole.
     */
    @Test
    void read_objectWhoseLaterMemberIsDamaged_countsItUnreadableAfterTheRecordsBeforeIt() throws Exception {
        byte[] second = UsageLogWriter.gzip(records("lost", T0.plusSeconds(1), 5));
        second[1] = 0;
        store.objects.put(
                UsageLayout.hourPrefix(T0) + "joined.ndjson.gz",
                joined(UsageLogWriter.gzip(records("kept", T0, 3)), second));

        List<String> ids = new ArrayList<>();
        UsageLogReader.ReadStats stats = reader.read(T0, T0.plusSeconds(3600), r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("kept0", "kept1", "kept2");
        assertThat(stats.unreadableObjects()).isEqualTo(1);
        assertThat(stats.warnings()).anySatisfy(w -> assertThat(w).contains("joined.ndjson.gz"));
    }

    /**
     * The connection drops part way through an object read as a stream: the read fails as the store's failure, as a
     * failed {@code get} does, instead of counting the object as damaged and going on without the rest of it.
     */
    @Test
    void read_connectionDropsMidObject_failsWithTheStoreNotASkippedObject() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            records.add(UsageRecords.priced("r" + i, T0.plusMillis(i), "f", "gpt-4o", "1"));
        }
        put("big", records);
        ObjectStore dropping = new ForwardingStore() {
            @Override
            public Optional<InputStream> open(String key) {
                byte[] content = store.get(key).orElseThrow();
                return Optional.of(new SequenceInputStream(
                        new ByteArrayInputStream(content, 0, content.length / 2), new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("connection reset");
                            }
                        }));
            }
        };
        List<String> ids = new ArrayList<>();

        assertThatThrownBy(
                        () -> UsageLogReader.create(dropping).read(T0, T0.plusSeconds(60), r -> ids.add(r.requestId())))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("big.ndjson.gz");
        assertThat(ids).isNotEmpty().hasSizeLessThan(2000);
    }

    @Test
    void read_withFetchAhead_deliversTheSameRecordsInTheSameOrderWithTheSameCounts() {
        for (int h = 0; h < 30; h++) {
            Instant t = T0.plusSeconds(1800L * h);
            put(
                    "p" + h,
                    List.of(
                            UsageRecords.priced("r" + h + "a", t, "f", "gpt-4o", "1"),
                            UsageRecords.priced("r" + h + "b", t.plusSeconds(1), "f", "gpt-4o", "1")));
            put("q" + h, List.of(UsageRecords.priced("r" + h + "a", t, "f", "gpt-4o", "1")));
        }
        List<String> one = new ArrayList<>();
        List<String> eight = new ArrayList<>();

        UsageLogReader.ReadStats sequential = reader.read(T0, T0.plusSeconds(86_400), r -> one.add(r.requestId()));
        UsageLogReader.ReadStats parallel = reader.read(T0, T0.plusSeconds(86_400), r -> eight.add(r.requestId()), 8);

        assertThat(eight).hasSize(60).containsExactlyElementsOf(one);
        assertThat(parallel).isEqualTo(sequential);
        assertThat(parallel.duplicates()).isEqualTo(30);
    }

    @Test
    void read_withFetchAheadOverDamagedObjectsAndBadLines_decodesAheadWithTheSameRecordsAndCounts() throws Exception {
        for (int h = 0; h < 12; h++) {
            Instant t = T0.plusSeconds(3600L * h);
            put("good" + h, List.of(UsageRecords.priced("ok" + h, t, "f", "gpt-4o", "1")));
            byte[] whole = UsageLogWriter.gzip(List.of(
                    UsageRecords.priced("t" + h + "a", t, "f", "gpt-4o", "1"),
                    UsageRecords.priced("t" + h + "b", t, "f", "gpt-4o", "1")));
            store.objects.put(UsageLayout.hourPrefix(t) + "cut" + h + ".ndjson.gz", Arrays.copyOf(whole, 40));
            store.objects.put(
                    UsageLayout.hourPrefix(t) + "bad" + h + ".ndjson.gz",
                    gzip("not json\n\n{\"schema_version\":9}\n[]\n"));
        }
        List<String> one = new ArrayList<>();
        List<String> eight = new ArrayList<>();

        UsageLogReader.ReadStats sequential = reader.read(T0, T0.plusSeconds(86_400), r -> one.add(r.requestId()));
        UsageLogReader.ReadStats parallel = reader.read(T0, T0.plusSeconds(86_400), r -> eight.add(r.requestId()), 8);

        assertThat(eight).containsExactlyElementsOf(one).contains("ok0", "ok11");
        assertThat(parallel).isEqualTo(sequential);
        assertThat(parallel.unreadableObjects()).isEqualTo(12);
        assertThat(parallel.malformedLines()).isGreaterThanOrEqualTo(36);
    }

    /**
     * Fetching ahead holds the listed bytes of at most the budget: an object larger than it is streamed at its turn
     * (opened, never fetched whole), the smaller ones are fetched ahead as far as the budget goes, and every record
     * arrives as reading one object at a time gives it.
     */
    @Test
    void read_withFetchAheadAndObjectsLargerThanTheBudget_holdsAtMostTheBudgetAndDeliversEveryRecord() {
        List<String> large = new ArrayList<>();
        for (int h = 0; h < 12; h++) {
            Instant t = T0.plusSeconds(3600L * h);
            put("small" + h, records("s" + h + "-", t, 50));
            if (h % 3 == 0) {
                large.add(put("large" + h, records("l" + h + "-", t.plusSeconds(1), 3000)));
            }
        }
        long smallest =
                store.objects.values().stream().mapToLong(b -> b.length).min().orElseThrow();
        long largest =
                store.objects.values().stream().mapToLong(b -> b.length).max().orElseThrow();
        long budget = largest / 2;
        List<String> one = new ArrayList<>();
        List<String> eight = new ArrayList<>();

        UsageLogReader.ReadStats sequential = reader.read(T0, T0.plusSeconds(86_400), r -> one.add(r.requestId()));
        store.got.clear();
        store.opened.clear();
        UsageLogReader bounded = UsageLogReader.create(store);
        UsageLogReader.ReadStats parallel =
                bounded.read(T0, T0.plusSeconds(86_400), r -> eight.add(r.requestId()), 8, budget);

        assertThat(eight).hasSize(12 * 50 + 4 * 3000).containsExactlyElementsOf(one);
        assertThat(parallel).isEqualTo(sequential);
        assertThat(bounded.peakBytesAhead()).isLessThanOrEqualTo(budget).isGreaterThan(smallest);
        assertThat(store.opened).containsExactlyInAnyOrderElementsOf(large);
        assertThat(store.got).hasSize(12).doesNotContainAnyElementsOf(large);
    }

    /**
     * A sink slower than the parsing: the reader parses ahead of it at most {@link UsageLogReader#CHUNKS_AHEAD}
     * chunks of lines (plus the one being delivered and the one being queued), not the whole object, however large.
     */
    @Test
    void read_withFetchAheadAndASlowSink_parsesAtMostTheChunksAheadNotTheWholeObject() {
        int lines = 40_000;
        put("huge", records("h", T0, lines));
        put("next", records("n", T0.plusSeconds(1), 10));
        long full = (long) (UsageLogReader.CHUNKS_AHEAD - 4) * UsageLogReader.CHUNK_LINES;
        UsageLogReader bounded = UsageLogReader.create(store);
        boolean[] filled = {false};
        List<String> ids = new ArrayList<>();

        bounded.read(
                T0,
                T0.plusSeconds(3600),
                r -> {
                    if (ids.isEmpty()) {
                        filled[0] = awaitLinesAhead(bounded, full);
                    }
                    ids.add(r.requestId());
                },
                8,
                Long.MAX_VALUE);

        assertThat(filled[0])
                .as("the parse threads filled the chunks ahead of the stopped sink")
                .isTrue();
        assertThat(ids).hasSize(lines + 10).startsWith("h0").endsWith("n9");
        assertThat(bounded.peakLinesAhead())
                .isLessThanOrEqualTo((long) (UsageLogReader.CHUNKS_AHEAD + 2) * UsageLogReader.CHUNK_LINES)
                .isLessThan(lines);
    }

    /** Fetching ahead, a store failure part way through a streamed object, or fetching one whole, fails the read. */
    @Test
    void read_withFetchAheadAndTheStoreFailing_failsWithTheStoreNotASkippedObject() {
        put("afirst", records("f", T0, 10));
        String big = put("big", records("r", T0.plusSeconds(1), 2000));
        ObjectStore dropping = new ForwardingStore() {
            @Override
            public Optional<byte[]> get(String key) {
                if (key.equals(big)) {
                    throw new ObjectStoreException("could not get " + key, null);
                }
                return store.get(key);
            }

            @Override
            public Optional<InputStream> open(String key) {
                byte[] content = store.get(key).orElseThrow();
                return Optional.of(new SequenceInputStream(
                        new ByteArrayInputStream(content, 0, content.length / 2), new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("connection reset");
                            }
                        }));
            }
        };
        long bigSize = store.objects.get(big).length;
        List<String> streamed = new ArrayList<>();
        List<String> fetched = new ArrayList<>();

        assertThatThrownBy(() -> UsageLogReader.create(dropping)
                        .read(T0, T0.plusSeconds(60), r -> streamed.add(r.requestId()), 8, bigSize - 1))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("big.ndjson.gz")
                .hasRootCauseMessage("connection reset");
        assertThatThrownBy(() -> UsageLogReader.create(dropping)
                        .read(T0, T0.plusSeconds(60), r -> fetched.add(r.requestId()), 8, bigSize))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("could not get " + big);
        assertThat(streamed).hasSizeGreaterThan(10).hasSizeLessThan(2010);
        assertThat(fetched).hasSize(10);
    }

    /**
     * An adapter that fails as the AWS SDK does when its thread was interrupted (the flag restored, then the
     * exception), or that leaves a stray interrupt behind: fetching ahead, the read fails with it instead of waiting
     * forever for the gunzip thread, and leaves none of its threads behind.
     */
    @Test
    void read_withFetchAheadAndAnAdapterLeavingTheInterruptSet_failsInsteadOfWaitingForever() throws Exception {
        put("afirst", records("f", T0, 10));
        String big = put("big", records("r", T0.plusSeconds(1), 2000));
        long bigSize = store.objects.get(big).length;
        ObjectStore interrupting = new ForwardingStore() {
            @Override
            public Optional<InputStream> open(String key) {
                Thread.currentThread().interrupt();
                if (key.equals(big)) {
                    throw new ObjectStoreException("could not open " + key, null);
                }
                return store.open(key);
            }
        };

        // the big object is larger than the budget, so it is opened (streamed) on the gunzip thread
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> assertThatThrownBy(
                        () -> UsageLogReader.create(interrupting).read(T0, T0.plusSeconds(60), r -> {}, 8, bigSize - 1))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("could not open " + big));
        // every object streamed, the first one leaving only the stray interrupt
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> assertThatThrownBy(
                        () -> UsageLogReader.create(interrupting).read(T0, T0.plusSeconds(60), r -> {}, 8, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("interrupted"));
        // the read's pools have terminated; a worker may still be returning from its run() (ms at most)
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("usage-log-")) {
                t.join(10_000);
                assertThat(t.isAlive()).as(t + " outlived the read").isFalse();
            }
        }
    }

    /**
     * A read of a few hours (the daily run's hour before its day) fetches the objects of those hour partitions and of
     * the hour just before them (for the window's records stored one partition late), not the rest of their day: a
     * damaged object two hours before the window is not even opened.
     */
    /**
     * A record stored under a partition far from its own hour is in no window that reads that partition: the window
     * that reads the partition counts it (as a line skipped for {@code ts_start}) and names it, and a record one hour
     * late is the neighbouring window's, read from its edge partition.
     */
    @Test
    void read_recordsOutsideTheirHourPartition_areReadByTheirWindowOrCounted() throws Exception {
        Instant day = T0.truncatedTo(ChronoUnit.DAYS);
        List<UsageRecord> late = records("late-", day.minus(1, ChronoUnit.SECONDS), 1);
        List<UsageRecord> far = records("far-", day.minus(5, ChronoUnit.DAYS), 1);
        List<UsageRecord> own = records("own-", day.plusSeconds(10), 3);
        List<UsageRecord> all = new ArrayList<>(own);
        all.addAll(late);
        all.addAll(far);
        store.objects.put(UsageLayout.hourPrefix(day) + "mixed.ndjson.gz", UsageLogWriter.gzip(all));

        for (int fetchAhead : new int[] {1, 8}) {
            List<String> before = new ArrayList<>();
            UsageLogReader.ReadStats previous = UsageLogReader.create(store)
                    .read(day.minus(1, ChronoUnit.DAYS), day, r -> before.add(r.requestId()), fetchAhead);
            List<String> ids = new ArrayList<>();
            UsageLogReader.ReadStats stats = UsageLogReader.create(store)
                    .read(day, day.plus(1, ChronoUnit.DAYS), r -> ids.add(r.requestId()), fetchAhead);

            assertThat(before).as("the day before reads its late record").containsExactly("late-0");
            assertThat(previous.malformedLines()).isZero();
            assertThat(ids).containsExactlyInAnyOrder("own-0", "own-1", "own-2");
            assertThat(stats.malformedLines()).isEqualTo(1);
            assertThat(stats.malformedByField()).containsEntry("ts_start", 1L);
            assertThat(stats.warnings()).anyMatch(w -> w.contains("far-0"));
        }
    }

    /**
     * A batch re-delivered under a later hour (a writer partitioning by arrival time after an outage): the copies are
     * dropped as repeats of the records stored in their own hour, whichever is read first; a record stored only
     * under the wrong hour is read once.
     */
    @Test
    void read_copiesUnderAnotherHourPartition_areCountedOnce() throws Exception {
        List<UsageRecord> own = records("r-", T0, 4);
        put("own", own);
        List<UsageRecord> copies = new ArrayList<>(own.subList(1, 3));
        copies.addAll(records("only-", T0.plusSeconds(5), 1));
        store.objects.put(
                UsageLayout.hourPrefix(T0.plus(2, ChronoUnit.HOURS)) + "late.ndjson.gz", UsageLogWriter.gzip(copies));
        store.objects.put(
                UsageLayout.hourPrefix(T0.minus(1, ChronoUnit.HOURS)) + "early.ndjson.gz",
                UsageLogWriter.gzip(own.subList(0, 1)));

        for (int fetchAhead : new int[] {1, 8}) {
            List<String> ids = new ArrayList<>();
            UsageLogReader.ReadStats stats = UsageLogReader.create(store)
                    .read(
                            T0.truncatedTo(ChronoUnit.DAYS),
                            T0.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS),
                            r -> ids.add(r.requestId()),
                            fetchAhead);

            assertThat(ids).containsExactlyInAnyOrder("r-0", "r-1", "r-2", "r-3", "only-0");
            assertThat(stats.duplicates()).isEqualTo(3);
            assertThat(stats.records()).isEqualTo(5);
        }
    }

    @Test
    void read_theLastHoursOfADay_fetchesOnlyTheirHourPartitions() throws Exception {
        Instant day = T0.truncatedTo(ChronoUnit.DAYS);
        for (int hour : new int[] {0, 10, 21, 22, 23}) {
            put("h" + hour, records("h" + hour + "-", day.plus(hour, ChronoUnit.HOURS), 5));
        }
        String damaged = UsageLayout.hourPrefix(day.plus(20, ChronoUnit.HOURS)) + "cut.ndjson.gz";
        store.objects.put(damaged, gzip("not json\n"));
        Instant from = day.plus(22, ChronoUnit.HOURS);
        Instant to = day.plus(1, ChronoUnit.DAYS);

        for (int fetchAhead : new int[] {1, 8}) {
            store.got.clear();
            store.opened.clear();
            List<String> ids = new ArrayList<>();
            UsageLogReader.ReadStats stats =
                    UsageLogReader.create(store).read(from, to, r -> ids.add(r.requestId()), fetchAhead);

            assertThat(ids)
                    .as("fetch ahead " + fetchAhead)
                    .hasSize(10)
                    .allMatch(id -> id.startsWith("h22-") || id.startsWith("h23-"));
            java.util.Set<String> read = new java.util.HashSet<>(store.got);
            read.addAll(store.opened);
            assertThat(read)
                    .as("objects read, fetch ahead " + fetchAhead)
                    .allMatch(
                            key -> key.contains("/hour=21/") || key.contains("/hour=22/") || key.contains("/hour=23/"))
                    .hasSize(3);
            assertThat(stats.objects())
                    .as("the edge partition's object is its own window's")
                    .isEqualTo(2);
            assertThat(stats.malformedLines()).isZero();
        }
    }

    @Test
    void mayHold_readsAnyObjectOutsideTheHourPartitions() {
        Instant day = T0.truncatedTo(ChronoUnit.DAYS);
        String prefix = UsageLayout.dayPrefix(day);
        Instant from = day.plus(22, ChronoUnit.HOURS);
        Instant to = day.plus(1, ChronoUnit.DAYS);

        assertThat(UsageLogReader.mayHold(prefix + "hour=21/a.ndjson.gz", prefix, day, from, to))
                .isFalse();
        assertThat(UsageLogReader.mayHold(prefix + "hour=22/a.ndjson.gz", prefix, day, from, to))
                .isTrue();
        assertThat(UsageLogReader.mayHold(prefix + "hour=23/a.ndjson.gz", prefix, day, from, to))
                .isTrue();
        // a window starting mid-hour still reads that hour
        assertThat(UsageLogReader.mayHold(
                        prefix + "hour=21/a.ndjson.gz", prefix, day, from.minus(1, ChronoUnit.MINUTES), to))
                .isTrue();
        for (String odd : List.of(
                "a.ndjson.gz",
                "hour=7/a.ndjson.gz",
                "hour=24/a.ndjson.gz",
                "hour=xx/a.ndjson.gz",
                "other/hour=01/a.ndjson.gz")) {
            assertThat(UsageLogReader.mayHold(prefix + odd, prefix, day, from, to))
                    .as(odd)
                    .isTrue();
        }
    }

    /** The test's store: every method forwards to it, and a test overrides what its store does differently. */
    private class ForwardingStore implements ObjectStore {
        @Override
        public void put(String key, byte[] content) {
            store.put(key, content);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return store.get(key);
        }

        @Override
        public Optional<InputStream> open(String key) {
            return store.open(key);
        }

        @Override
        public List<String> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public List<Listed> listWithSizes(String prefix) {
            return store.listWithSizes(prefix);
        }
    }

    private static boolean awaitLinesAhead(UsageLogReader reader, long lines) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (reader.peakLinesAhead() < lines) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static List<UsageRecord> records(String idPrefix, Instant start, int n) {
        List<UsageRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(UsageRecords.priced(idPrefix + i, start.plusMillis(i), "f", "gpt-4o", "1"));
        }
        return records;
    }

    private String put(String name, List<UsageRecord> records) {
        String key = UsageLayout.hourPrefix(records.get(0).tsStart()) + name + ".ndjson.gz";
        store.objects.put(key, UsageLogWriter.gzip(records));
        return key;
    }

    private static byte[] joined(byte[]... objects) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] object : objects) {
            out.writeBytes(object);
        }
        return out.toByteArray();
    }

    /** A stream that says nothing is ready and hands over at most 5 bytes a read, as a socket may. */
    private static InputStream trickle(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 5));
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
