package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UsageLogWriterTest {
    private static final Instant T0 = Instant.parse("2026-11-28T15:59:58Z");
    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final InMemoryUsageSpool spool = new InMemoryUsageSpool();
    private final UsageLogWriter writer = UsageLogWriter.create(store, spool, Clock.fixed(T0, ZoneOffset.UTC), 1000);

    @Test
    void flush_recordsInTwoHours_landInEachHoursPartition() {
        writer.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        writer.append(UsageRecords.priced("b", T0.plusSeconds(5), "chatbot", "gpt-4o", "0.02"));

        assertThat(writer.flush()).isEqualTo(2);

        assertThat(store.objects.keySet())
                .hasSize(2)
                .anySatisfy(k -> assertThat(k).startsWith("usage/v1/year=2026/month=11/day=28/hour=15/"))
                .anySatisfy(k -> assertThat(k).startsWith("usage/v1/year=2026/month=11/day=28/hour=16/"))
                .allSatisfy(k -> assertThat(k).endsWith(".ndjson.gz"));
        assertThat(readAll()).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void append_bufferFull_flushesWithoutBeingAsked() {
        UsageLogWriter small = UsageLogWriter.create(store, spool, Clock.systemUTC(), 3);
        for (int i = 0; i < 3; i++) {
            small.append(UsageRecords.priced("r" + i, T0, "f", "gpt-4o", "0.01"));
        }
        assertThat(small.buffered()).isZero();
        assertThat(readAll()).hasSize(3);
    }

    @Test
    void append_bufferFullWithBackgroundFlusher_returnsWithoutWaitingForTheStore() throws Exception {
        CountDownLatch storeEntered = new CountDownLatch(1);
        CountDownLatch releaseStore = new CountDownLatch(1);
        InMemoryObjectStore slow = new InMemoryObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                storeEntered.countDown();
                try {
                    releaseStore.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.put(key, content);
            }
        };
        ExecutorService flusher = Executors.newSingleThreadExecutor();
        try {
            UsageLogWriter small = UsageLogWriter.create(slow, spool, Clock.systemUTC(), 3);
            small.flushInBackground(flusher);
            for (int i = 0; i < 3; i++) {
                small.append(UsageRecords.priced("r" + i, T0, "f", "gpt-4o", "0.01"));
            }
            assertThat(storeEntered.await(5, TimeUnit.SECONDS)).isTrue();

            // the store is stuck in a write: appends still return at once
            for (int i = 3; i < 6; i++) {
                small.append(UsageRecords.priced("r" + i, T0, "f", "gpt-4o", "0.01"));
            }
            assertThat(small.buffered()).isEqualTo(3);

            releaseStore.countDown();
            small.flush();
            flusher.shutdown();
            assertThat(flusher.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(small.buffered()).isZero();
            assertThat(recordsIn(slow))
                    .extracting(UsageRecord::requestId)
                    .containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5");
        } finally {
            releaseStore.countDown();
            flusher.shutdownNow();
        }
    }

    @Test
    void append_whileAFlushOpensTheNextJournalSegment_returnsAtOnceAndLandsInOneSegment() throws Exception {
        CountDownLatch preparing = new CountDownLatch(1);
        CountDownLatch releasePrepare = new CountDownLatch(1);
        SlowToOpenJournal journal = new SlowToOpenJournal(preparing, releasePrepare);
        UsageLogWriter journaled = UsageLogWriter.create(store, spool, journal, Clock.systemUTC(), 1000);
        journaled.append(UsageRecords.priced("before", T0, "f", "gpt-4o", "0.01"));
        ExecutorService flusher = Executors.newSingleThreadExecutor();
        try {
            var flushed = flusher.submit(journaled::flush);
            assertThat(preparing.await(5, TimeUnit.SECONDS)).isTrue();

            // the disk is slow to create the next segment's file: calls still record at once, in the open segment
            journaled.append(UsageRecords.priced("during", T0, "f", "gpt-4o", "0.01"));
            assertThat(flushed.isDone()).isFalse();

            releasePrepare.countDown();
            assertThat(flushed.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        } finally {
            releasePrepare.countDown();
            flusher.shutdownNow();
        }
        journaled.append(UsageRecords.priced("after", T0, "f", "gpt-4o", "0.01"));

        assertThat(readAll()).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("before", "during");
        assertThat(journal.segments)
                .as("the flushed segment holds exactly the flushed records; the next one the rest")
                .extracting(lines -> lines.stream()
                        .map(l -> UsageRecordCodec.read(l).requestId())
                        .toList())
                .containsExactly(List.of("before", "during"), List.of("after"));
        assertThat(journal.discarded).containsExactly("0");
    }

    @Test
    void append_backgroundFlusherFarBehind_flushesOnTheCallerSoMemoryStaysBounded() {
        List<Runnable> neverRun = new ArrayList<>();
        UsageLogWriter small = UsageLogWriter.create(store, spool, Clock.systemUTC(), 3);
        small.flushInBackground(neverRun::add);

        for (int i = 0; i < 3 * UsageLogWriter.BACKLOG_FACTOR; i++) {
            small.append(UsageRecords.priced("r" + i, T0, "f", "gpt-4o", "0.01"));
        }

        assertThat(neverRun).hasSize(1);
        assertThat(small.buffered()).isZero();
        assertThat(readAll()).hasSize(3 * UsageLogWriter.BACKLOG_FACTOR);
    }

    @Test
    void flush_whileADrainWaitsOnTheSink_deliversItsRecordsWithoutWaitingForTheDrain() throws Exception {
        String spooledKey = "usage/v1/year=2026/month=11/day=28/hour=15/outage.ndjson.gz";
        spool.spill(new UsageSpool.SpooledBatch(
                spooledKey, UsageLogWriter.gzip(List.of(UsageRecords.priced("old", T0, "f", "gpt-4o", "0.01")))));
        CountDownLatch drainInSink = new CountDownLatch(1);
        CountDownLatch releaseDrain = new CountDownLatch(1);
        InMemoryObjectStore throttled = new InMemoryObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                if (key.equals(spooledKey)) {
                    drainInSink.countDown();
                    try {
                        releaseDrain.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.put(key, content);
            }
        };
        UsageLogWriter lambda = UsageLogWriter.create(throttled, spool, Clock.systemUTC(), 1000);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<Integer> drain = threads.submit(() -> lambda.drainSpool());
            assertThat(drainInSink.await(5, TimeUnit.SECONDS)).isTrue();

            // another invocation's call ends while the drain waits on the sink: its flush does not queue behind it
            lambda.append(UsageRecords.priced("new", T0, "f", "gpt-4o", "0.02"));
            java.util.concurrent.Future<Integer> flush = threads.submit(() -> lambda.flush());
            assertThat(flush.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(drain.isDone()).isFalse();

            releaseDrain.countDown();
            assertThat(drain.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(spool.batches).isEmpty();
            assertThat(recordsIn(throttled)).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("old", "new");
        } finally {
            releaseDrain.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void flush_storeDown_spoolsBatchAndDrainDeliversItOnceUnderTheSameKey() {
        store.down = true;
        writer.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        writer.append(UsageRecords.priced("b", T0, "chatbot", "gpt-4o", "0.02"));

        assertThat(writer.flush()).isZero();
        assertThat(store.objects).isEmpty();
        assertThat(spool.batches).hasSize(1);
        String key = spool.batches.keySet().iterator().next();

        assertThat(writer.drainSpool()).isZero();
        store.down = false;
        assertThat(writer.drainSpool()).isEqualTo(1);

        assertThat(spool.batches).isEmpty();
        assertThat(store.objects.keySet()).containsExactly(key);
        assertThat(readAll()).extracting(UsageRecord::requestId).containsExactly("a", "b");
    }

    @Test
    void drainSpool_deliveredButNotRemovedBeforeACrash_rewritesTheSameObjectWithoutDuplicates() {
        store.down = true;
        writer.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        writer.flush();
        UsageSpool.SpooledBatch batch = spool.batches.values().iterator().next();
        store.down = false;
        // A previous drain wrote the object and crashed before removing the spool entry.
        store.put(batch.objectKey(), batch.content());

        writer.drainSpool();

        assertThat(store.objects).hasSize(1);
        assertThat(readAll()).extracting(UsageRecord::requestId).containsExactly("a");
    }

    @Test
    void flush_sinkRefusesSomeRecords_spoolsOnlyTheRefusedAndDrainDeliversThem() {
        // A stream that takes every record but b while refusing is on (as Firehose's per-record errors do)
        List<String> taken = new ArrayList<>();
        boolean[] refusing = {true};
        UsageSink stream = (key, content) -> {
            List<String> refused = new ArrayList<>();
            for (String line : UsageLogReader.lines(content)) {
                if (refusing[0] && line.contains("\"request_id\":\"b\"")) {
                    refused.add(line);
                } else {
                    taken.add(UsageRecordCodec.read(line).requestId());
                }
            }
            return refused.isEmpty() ? UsageSink.Refused.NONE : new UsageSink.Refused(refused, "throttled");
        };
        UsageLogWriter streaming =
                UsageLogWriter.create(stream, spool, UsageJournal.NONE, Clock.fixed(T0, ZoneOffset.UTC), 1000);
        streaming.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        streaming.append(UsageRecords.priced("b", T0, "chatbot", "gpt-4o", "0.02"));
        streaming.append(UsageRecords.priced("c", T0, "chatbot", "gpt-4o", "0.03"));

        assertThat(streaming.flush()).isEqualTo(2);
        assertThat(taken).containsExactly("a", "c");
        assertThat(spool.batches).hasSize(1);
        assertThat(UsageLogReader.lines(spool.batches.values().iterator().next().content()))
                .singleElement()
                .satisfies(line ->
                        assertThat(UsageRecordCodec.read(line).requestId()).isEqualTo("b"));

        assertThat(streaming.drainSpool()).isZero(); // still refusing: b stays spooled
        assertThat(spool.batches).hasSize(1);
        refusing[0] = false;
        assertThat(streaming.drainSpool()).isEqualTo(1);

        assertThat(spool.batches).isEmpty();
        assertThat(taken).containsExactly("a", "c", "b");
    }

    @Test
    void flush_sinkThrows_spoolsTheWholeBatch() {
        UsageSink broken = (key, content) -> {
            throw new IllegalStateException("connection reset");
        };
        UsageLogWriter streaming =
                UsageLogWriter.create(broken, spool, UsageJournal.NONE, Clock.fixed(T0, ZoneOffset.UTC), 1000);
        streaming.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        streaming.append(UsageRecords.priced("b", T0, "chatbot", "gpt-4o", "0.02"));

        assertThat(streaming.flush()).isZero();

        assertThat(spool.batches).hasSize(1);
        assertThat(UsageLogReader.lines(spool.batches.values().iterator().next().content()))
                .hasSize(2);
    }

    @Test
    void flush_storeAndSpoolDown_keepsRecordsAndDeliversThemOnTheNextFlush() {
        store.down = true;
        spool.down = true;
        writer.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));
        writer.flush();
        assertThat(writer.buffered()).isEqualTo(1);

        store.down = false;
        writer.append(UsageRecords.priced("b", T0, "chatbot", "gpt-4o", "0.02"));
        assertThat(writer.flush()).isEqualTo(2);

        assertThat(writer.buffered()).isZero();
        assertThat(readAll()).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void flushWithin_spoolGivesUpAtItsTime_keepsTheBatchForTheNextFlush() {
        List<java.time.Duration> given = new ArrayList<>();
        UsageSpool timed = new UsageSpool() {
            @Override
            public void spill(SpooledBatch batch) {
                spool.spill(batch);
            }

            @Override
            public void spill(SpooledBatch batch, java.time.Duration timeLeft) {
                given.add(timeLeft); // a DynamoDB table throttling past it: ApiCallTimeoutException
                throw new IllegalStateException("the spool call timed out after " + timeLeft);
            }

            @Override
            public List<SpooledBatch> pending(int max) {
                return spool.pending(max);
            }

            @Override
            public void remove(String objectKey) {
                spool.remove(objectKey);
            }
        };
        UsageSink refusing = (key, content) -> {
            throw new IllegalStateException("stream throttled");
        };
        UsageLogWriter lambda =
                UsageLogWriter.create(refusing, timed, UsageJournal.NONE, Clock.fixed(T0, ZoneOffset.UTC), 1000);
        lambda.append(UsageRecords.priced("a", T0, "chatbot", "gpt-4o", "0.01"));

        lambda.flushWithin(java.time.Duration.ofSeconds(2));

        // the spool's call was bounded by the invocation's time, less the margin, and the record was not dropped
        assertThat(given).singleElement().satisfies(t -> assertThat(t)
                .isPositive()
                .isLessThanOrEqualTo(java.time.Duration.ofSeconds(2).minus(UsageLogWriter.SPOOL_MARGIN)));
        assertThat(spool.batches).isEmpty();
        assertThat(lambda.buffered()).isEqualTo(1);

        lambda.flush(); // no deadline: the spool's own bound, and the batch is spilled
        assertThat(lambda.buffered()).isZero();
        assertThat(spool.batches).hasSize(1);
    }

    @Test
    void drainSpool_withinTimeLeft_givesEachSinkCallWhatIsLeftAndLeavesTheRestWhenNoneIs() {
        List<java.time.Duration> given = new ArrayList<>();
        UsageSink stream = new UsageSink() {
            @Override
            public Refused deliver(String objectKey, byte[] gzipNdjson) {
                throw new AssertionError("a drain with a deadline gives the sink its time");
            }

            @Override
            public Refused deliver(String objectKey, byte[] gzipNdjson, java.time.Duration timeLeft) {
                given.add(timeLeft);
                return Refused.NONE;
            }
        };
        UsageLogWriter lambda =
                UsageLogWriter.create(stream, spool, UsageJournal.NONE, Clock.fixed(T0, ZoneOffset.UTC), 1000);
        for (int i = 0; i < 3; i++) {
            spool.spill(new UsageSpool.SpooledBatch(
                    "usage/v1/k" + i,
                    UsageLogWriter.gzip(List.of(UsageRecords.priced("s" + i, T0, "f", "gpt-4o", "0.01")))));
        }

        // less than a sink call's minimum left: nothing is started, the spool keeps all for the next drain
        assertThat(lambda.drainSpool(UsageLogWriter.MIN_SINK_TIME.minusMillis(1)))
                .isZero();
        assertThat(spool.batches).hasSize(3);

        assertThat(lambda.drainSpool(java.time.Duration.ofSeconds(5))).isEqualTo(3);
        assertThat(given)
                .hasSize(3)
                .allSatisfy(t -> assertThat(t).isPositive().isLessThanOrEqualTo(java.time.Duration.ofSeconds(5)));
        assertThat(spool.batches).isEmpty();
    }

    @Test
    void flush_concurrentAppends_loseNothingAndCostsSumExactly() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            Thread thread0 = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    writer.append(UsageRecords.priced(thread + "-" + i, T0, "f", "gpt-4o", "0.000001"));
                    if (i % 50 == 0) {
                        writer.flush();
                    }
                }
            });
            thread0.start();
            threads.add(thread0);
        }
        for (Thread t : threads) {
            t.join();
        }
        writer.flush();
        List<UsageRecord> all = readAll();
        assertThat(all).hasSize(4000);
        assertThat(all.stream().map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("0.004");
    }

    /** A journal in memory whose first {@link #prepareRotation} waits for a latch (a disk slow to create a file). */
    private static final class SlowToOpenJournal implements UsageJournal {
        final List<List<String>> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> discarded = new ArrayList<>();
        private final CountDownLatch preparing;
        private final CountDownLatch release;
        private boolean prepared;

        SlowToOpenJournal(CountDownLatch preparing, CountDownLatch release) {
            this.preparing = preparing;
            this.release = release;
            segments.add(new java.util.concurrent.CopyOnWriteArrayList<>());
        }

        @Override
        public void append(byte[] line) {
            String text = new String(line, java.nio.charset.StandardCharsets.UTF_8);
            segments.get(segments.size() - 1).add(text.substring(0, text.length() - 1));
        }

        @Override
        public void prepareRotation() {
            if (!prepared) {
                prepared = true;
                preparing.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public String rotate() {
            segments.add(new java.util.concurrent.CopyOnWriteArrayList<>());
            return String.valueOf(segments.size() - 2);
        }

        @Override
        public void discard(String upToSegmentId) {
            discarded.add(upToSegmentId);
        }

        @Override
        public List<Segment> pending() {
            return List.of();
        }

        @Override
        public void sync() {}

        @Override
        public void close() {}
    }

    private List<UsageRecord> readAll() {
        return recordsIn(store);
    }

    private static List<UsageRecord> recordsIn(InMemoryObjectStore from) {
        List<UsageRecord> out = new ArrayList<>();
        UsageLogReader.create(from).read(T0.minusSeconds(86400), T0.plusSeconds(86400), out::add);
        return out;
    }
}
