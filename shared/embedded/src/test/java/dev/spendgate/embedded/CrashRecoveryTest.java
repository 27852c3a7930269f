package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetLedger.Settlement;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.domain.usage.UsageSpool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the local gateway's data directory holds at the moment of a SIGKILL, taken as a copy of the directory while
 * the writer and the ledger are still open (what the operating system has), then opened by a new process's stores.
 */
class CrashRecoveryTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path live;

    @TempDir
    Path afterCrash;

    @TempDir
    Path early;

    private static UsageRecord record(String id, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .statusCode(200)
                .tokens(TokenUsage.openAi(100, 0, 20, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    private static UsageLogWriter writer(Path dir) {
        return UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                new FileUsageJournal(dir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
    }

    /** A writer whose store and spool (one disk, locally) both fail while {@code full} is set. */
    private static UsageLogWriter writer(Path dir, AtomicBoolean full) {
        ObjectStore disk = new FileSystemObjectStore(dir);
        UsageSpool spool = new FileSystemUsageSpool(dir.resolve("spool"));
        ObjectStore store = new ObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                if (full.get()) {
                    throw new ObjectStoreException("No space left on device", null);
                }
                disk.put(key, content);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return disk.get(key);
            }

            @Override
            public List<String> list(String prefix) {
                return disk.list(prefix);
            }
        };
        UsageSpool failingSpool = new UsageSpool() {
            @Override
            public void spill(SpooledBatch batch) {
                if (full.get()) {
                    throw new UncheckedIOException(new IOException("No space left on device"));
                }
                spool.spill(batch);
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
        return UsageLogWriter.create(
                store,
                failingSpool,
                new FileUsageJournal(dir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
    }

    private static List<UsageRecord> read(Path dir, long[] duplicates) {
        List<UsageRecord> out = new ArrayList<>();
        duplicates[0] = UsageLogReader.create(new FileSystemObjectStore(dir))
                .read(T0.minus(1, ChronoUnit.HOURS), T0.plus(1, ChronoUnit.HOURS), out::add)
                .duplicates();
        return out;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void recordsAppendedButNotFlushed_areDeliveredOnceByTheNextProcess() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("a", "0.01"));
        before.append(record("b", "0.02"));
        copy(live, afterCrash); // killed here: nothing flushed

        UsageLogWriter after = writer(afterCrash);
        assertThat(after.recoverJournal()).isEqualTo(2);
        after.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b");
        assertThat(duplicates[0]).isZero();
        UsageLogWriter third = writer(afterCrash);
        assertThat(third.recoverJournal())
                .as("the journal was discarded once delivered")
                .isZero();
        third.close();
        before.close();
    }

    /** Killed between a flush and its segment's discard: the next process finds the segment stored, not again. */
    @Test
    void segmentDeliveredButNotYetDiscarded_isNotDeliveredAgain() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("a", "0.01"));
        before.append(record("b", "0.02"));
        copy(live, afterCrash); // the journal as it was before the flush
        before.flush();
        copy(live.resolve("usage"), afterCrash.resolve("usage")); // the flush's object reached the disk, then: killed

        UsageLogWriter after = writer(afterCrash);
        after.recoverJournal();
        after.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b");
        assertThat(duplicates[0]).as("stored once").isZero();
        before.close();
    }

    /**
     * A power loss just after a flush: the hour's object is on the device (its write is synced) but the journal's
     * last line is not (lines are synced once a second), nor the segment's discard. The recovery's shorter copy of
     * the segment must not replace the object: b reached the store and stays there.
     */
    @Test
    void powerLossAfterAFlush_recoveryKeepsTheRecordsTheJournalLost() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("a", "0.01"));
        before.syncJournal();
        copy(live, afterCrash); // the device's journal: b's line below is still in the page cache only
        before.append(record("b", "0.02"));
        before.flush(); // the hour's object (a, b), synced
        copy(live.resolve("usage"), afterCrash.resolve("usage")); // then the power is lost

        UsageLogWriter after = writer(afterCrash);
        assertThat(after.recoverJournal()).isEqualTo(1);
        after.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b");
        assertThat(duplicates[0]).isZero();
        before.close();
    }

    /**
     * Recovered once (a and b stored), then a power loss takes the segment's discard and b's unsynced line: the next
     * start recovers the segment again from a alone and must not replace what the first recovery stored.
     */
    @Test
    void recoveredAgainAfterAPowerLoss_keepsWhatTheFirstRecoveryStored() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("a", "0.01"));
        before.syncJournal();
        copy(live, early); // the device's journal: a only
        before.append(record("b", "0.02"));
        copy(live, afterCrash); // killed: a and b in the page cache

        UsageLogWriter after = writer(afterCrash);
        assertThat(after.recoverJournal()).isEqualTo(2);
        after.close();
        copy(early.resolve("journal"), afterCrash.resolve("journal")); // then the power is lost

        UsageLogWriter third = writer(afterCrash);
        assertThat(third.recoverJournal()).isEqualTo(1);
        third.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b");
        assertThat(duplicates[0])
                .as("a, stored by the first recovery, is not written again")
                .isZero();
        before.close();
    }

    /** The flush's object is there but damaged: the records it no longer shows are delivered from the journal. */
    @Test
    void flushedObjectDamaged_recoveryDeliversTheRecordsItLacks() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("a", "0.01"));
        before.append(record("b", "0.02"));
        copy(live, afterCrash);
        before.flush();
        copy(live.resolve("usage"), afterCrash.resolve("usage"));
        Path flushed;
        try (Stream<Path> files = Files.walk(afterCrash.resolve("usage"))) {
            flushed = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(flushed);
        Files.write(flushed, java.util.Arrays.copyOf(whole, whole.length / 2)); // cut in the middle

        UsageLogWriter after = writer(afterCrash);
        after.recoverJournal();
        after.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b");
        before.close();
    }

    /**
     * The next start finds two segments while the disk is still full (the store and the spool both fail); space is
     * freed, and the first flush that saves everything discards the journal up to its own segment. Both earlier
     * segments' records must have been delivered by then: none is deleted undelivered.
     */
    @Test
    void recoveryDuringAFullDisk_laterFlushDeliversEveryEarlierSegmentBeforeDiscardingIt() throws Exception {
        AtomicBoolean full = new AtomicBoolean(true);
        UsageLogWriter before = writer(live, full);
        before.append(record("a", "0.01"));
        before.flush(); // the store and the spool fail: kept in the journal
        before.append(record("b", "0.02"));
        before.flush(); // a second segment, the same
        copy(live, afterCrash); // restarted while the disk is full

        UsageLogWriter after = writer(afterCrash, full);
        assertThat(after.recoverJournal()).isEqualTo(2);
        full.set(false);
        after.append(record("c", "0.03"));
        after.flush();
        after.close();

        long[] duplicates = {0};
        assertThat(read(afterCrash, duplicates))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("a", "b", "c");
        UsageLogWriter third = writer(afterCrash);
        assertThat(third.recoverJournal())
                .as("the journal was discarded once delivered")
                .isZero();
        third.close();
        before.close();
    }

    @Test
    void concurrentAppends_everyLineWholeInTheJournal() throws Exception {
        FileUsageJournal journal = new FileUsageJournal(live, Clock.systemUTC(), false);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    journal.append(("{\"t\":" + thread + ",\"i\":" + i + "}\n").getBytes());
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        journal.rotate();

        List<String> lines = journal.pending().get(0).lines();
        assertThat(lines).hasSize(4000).doesNotHaveDuplicates().allMatch(l -> l.matches("\\{\"t\":\\d,\"i\":\\d+}"));
        journal.close();
    }

    @Test
    void settledSpendNotYetInTheLedgerFile_isReplayedByTheNextProcess_once() throws Exception {
        FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"));
        ledger.reserve("budget#global#2026-12-03", new BigDecimal("1"), new BigDecimal("0.05"));
        ledger.settleAll(
                List.of(new Settlement("budget#global#2026-12-03", new BigDecimal("0.05"), new BigDecimal("0.03"))));
        ledger.flush(); // the file has 0.03
        ledger.reserve("budget#global#2026-12-03", new BigDecimal("1"), new BigDecimal("0.05"));
        ledger.settleAll(
                List.of(new Settlement("budget#global#2026-12-03", new BigDecimal("0.05"), new BigDecimal("0.04"))));
        ledger.reserve("budget#global#2026-12-03", new BigDecimal("1"), new BigDecimal("0.05")); // in flight
        ledger.flush(); // the file has 0.07 spent and the in-flight 0.05 reserved
        ledger.settleAll(List.of(new Settlement("budget#global#2026-12-03", BigDecimal.ZERO, new BigDecimal("0.01"))));
        copy(live, afterCrash); // killed here: the last settlement is only in the journal

        FileBudgetLedger next = new FileBudgetLedger(afterCrash.resolve("ledger.json"));
        FileBudgetLedger.Released released = next.releaseReservations();

        assertThat(next.state("budget#global#2026-12-03").orElseThrow().spent()).isEqualByComparingTo("0.08");
        assertThat(next.state("budget#global#2026-12-03").orElseThrow().committed())
                .isEqualByComparingTo("0.08");
        assertThat(released.amount()).isEqualByComparingTo("0.05");
        next.close();
        FileBudgetLedger third = new FileBudgetLedger(afterCrash.resolve("ledger.json"));
        assertThat(third.state("budget#global#2026-12-03").orElseThrow().spent())
                .as("replayed once, not again at the next start")
                .isEqualByComparingTo("0.08");
        third.close();
        ledger.close();
    }

    @Test
    void callAdmittedSinceTheLastFlush_isInFlightForTheNextProcess_andCallsThatSettledOrWereRefusedAreNot()
            throws Exception {
        FileReservationJournal journal = new FileReservationJournal(live.resolve("reservations.json"));
        FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"));
        String item = "budget#global#2026-12-03";
        admit(journal, ledger, "settled", item, "0.05");
        journal.flush(); // the journal's file names the call
        journal.remove("settled");
        ledger.settleAll("settled", List.of(new Settlement(item, new BigDecimal("0.05"), new BigDecimal("0.01"))));
        ledger.flush(); // the settlement is in the ledger's file; its journal segment is kept one flush longer
        admit(journal, ledger, "in-flight", item, "0.07"); // after every flush: only in the journal's log
        journal.open(entry("refused", item, "0.09")); // opened, refused on another budget: never admitted
        journal.remove("refused");
        copy(live, afterCrash); // killed here

        FileBudgetLedger nextLedger = new FileBudgetLedger(afterCrash.resolve("ledger.json"));
        FileReservationJournal nextJournal = new FileReservationJournal(afterCrash.resolve("reservations.json"));
        java.util.Set<String> settled = nextLedger.settledReservations();
        List<ReservationJournal.OpenReservation> inFlight =
                nextJournal.retain(open -> open.call() != null && !settled.contains(open.id()));
        nextLedger.resetReservations(java.util.Map.of(item, new BigDecimal("0.07")));

        assertThat(settled).contains("settled");
        assertThat(inFlight).singleElement().satisfies(open -> {
            assertThat(open.id()).isEqualTo("in-flight");
            assertThat(open.amount()).isEqualByComparingTo("0.07");
            assertThat(open.call().requestId()).isEqualTo("req-in-flight");
        });
        BudgetState state = nextLedger.state(item).orElseThrow();
        assertThat(state.spent()).isEqualByComparingTo("0.01");
        assertThat(state.reserved()).isEqualByComparingTo("0.07");
        assertThat(state.committed()).isEqualByComparingTo("0.08");
        nextJournal.close();
        nextLedger.close();
        journal.close();
        ledger.close();
    }

    /**
     * A settlement takes the call's entry, then appends to the ledger's journal; the flush thread (the reservation
     * journal first, then the ledger) can run in between. Killed right after that flush, the next start must still
     * find the call: its entry, to charge at its worst case. Once settled, the entry is gone at the next flush.
     */
    @Test
    void killedAfterAFlushBetweenTakingAnEntryAndSettlingIt_callIsStillCounted() throws Exception {
        FileReservationJournal journal = new FileReservationJournal(live.resolve("reservations.json"));
        FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"));
        String item = "budget#global#2026-12-03";
        admit(journal, ledger, "answered", item, "0.05");
        assertThat(journal.take("answered")).isTrue();
        assertThat(journal.take("answered")).as("taken once").isFalse();
        journal.flush();
        ledger.flush();
        copy(live, afterCrash); // killed before the settlement's append

        FileBudgetLedger nextLedger = new FileBudgetLedger(afterCrash.resolve("ledger.json"));
        FileReservationJournal nextJournal = new FileReservationJournal(afterCrash.resolve("reservations.json"));
        java.util.Set<String> settled = nextLedger.settledReservations();
        List<ReservationJournal.OpenReservation> inFlight =
                nextJournal.retain(open -> open.call() != null && !settled.contains(open.id()));

        assertThat(inFlight).extracting(ReservationJournal.OpenReservation::id).containsExactly("answered");
        nextJournal.close();
        nextLedger.close();

        ledger.settleAll("answered", List.of(new Settlement(item, new BigDecimal("0.05"), new BigDecimal("0.02"))));
        journal.settled("answered");
        journal.flush();
        assertThat(Files.readString(live.resolve("reservations.json"))).doesNotContain("answered");
        journal.close();
        ledger.close();
    }

    @Test
    void ledgerFlushedTwiceSinceASettlement_forgetsItsReservationId() throws Exception {
        FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"));
        String item = "budget#global#2026-12-03";
        ledger.settleAll("old", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("0.01"))));
        ledger.flush();
        ledger.settleAll("new", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("0.01"))));
        ledger.flush();
        copy(live, afterCrash); // killed here (a clean close discards every segment)

        FileBudgetLedger next = new FileBudgetLedger(afterCrash.resolve("ledger.json"));

        assertThat(next.settledReservations()).containsExactly("new");
        assertThat(next.state(item).orElseThrow().spent()).as("counted once").isEqualByComparingTo("0.02");
        next.close();
        ledger.close();
    }

    /**
     * This version is killed with settlements in its journal; a version from before the journal runs on the same
     * directory and rewrites the file without {@code journal_seq}. The next start of this version cannot tell which
     * settlements the file counts: it refuses to start, naming the journal and what to do, rather than count them
     * twice or forget them.
     */
    @Test
    void killedThenFileRewrittenByAnOlderVersion_nextStartRefusesAndSaysWhatToDo() throws Exception {
        FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"));
        String item = "budget#global#2026-12-03";
        ledger.settleAll("a", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("5.00"))));
        ledger.flush();
        ledger.settleAll("b", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("1.00"))));
        copy(live, afterCrash); // killed here
        ledger.close();
        Files.writeString(
                afterCrash.resolve("ledger.json"),
                "{\"version\":1,\"items\":{\"" + item
                        + "\":{\"spent\":\"5.50\",\"reserved\":\"0\",\"committed\":\"5.50\"}}}");

        assertThatThrownBy(() -> new FileBudgetLedger(afterCrash.resolve("ledger.json")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no journal_seq")
                .hasMessageContaining(afterCrash.resolve("ledger.json.journal").toString())
                .hasMessageContaining("move");
        assertThat(FileBudgetLedger.readSnapshot(afterCrash.resolve("ledger.json"))
                        .get(item)
                        .spent())
                .as("the file as the older version left it")
                .isEqualByComparingTo("5.50");

        deleteTree(afterCrash.resolve("ledger.json.journal")); // the user moves it aside
        try (FileBudgetLedger next = new FileBudgetLedger(afterCrash.resolve("ledger.json"))) {
            assertThat(next.state(item).orElseThrow().spent()).isEqualByComparingTo("5.50");
        }
    }

    @Test
    void cleanClose_leavesNoJournalSegment() throws Exception {
        String item = "budget#global#2026-12-03";
        try (FileBudgetLedger ledger = new FileBudgetLedger(live.resolve("ledger.json"))) {
            ledger.settleAll("a", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("5.00"))));
            ledger.flush();
            ledger.settleAll("b", List.of(new Settlement(item, BigDecimal.ZERO, new BigDecimal("1.00"))));
        }

        try (Stream<Path> segments = Files.list(live.resolve("ledger.json.journal"))) {
            assertThat(segments).as("every settlement is in the file").isEmpty();
        }
        try (FileBudgetLedger next = new FileBudgetLedger(live.resolve("ledger.json"))) {
            assertThat(next.state(item).orElseThrow().spent()).isEqualByComparingTo("6.00");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void admit(
            FileReservationJournal journal, FileBudgetLedger ledger, String id, String item, String amount) {
        journal.open(entry(id, item, amount));
        assertThat(ledger.reserve(item, BigDecimal.ONE, new BigDecimal(amount)).granted())
                .isTrue();
        journal.confirm(id);
    }

    private static ReservationJournal.OpenReservation entry(String id, String item, String amount) {
        return new ReservationJournal.OpenReservation(
                id,
                List.of(item),
                new BigDecimal(amount),
                T0.plus(15, ChronoUnit.MINUTES),
                true,
                new ReservationJournal.Call(
                        "req-" + id,
                        T0,
                        "key_1",
                        Attribution.NONE,
                        "openai",
                        null,
                        "chat.completions",
                        "gpt-4o",
                        "gpt-4o",
                        false));
    }
}
