package dev.spendgate.domain.usage;

import dev.spendgate.domain.concurrent.SnapshotGate;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPOutputStream;

/**
 * Buffers usage records and hands them as gzip NDJSON batches to a {@link UsageSink}: the {@link ObjectStore} (one
 * object per batch) or a delivery stream. When the sink fails, the batch (or, when it took part of it, the refused
 * records) goes to the durable {@link UsageSpool} under the object key it was going to have, and
 * {@link #drainSpool()} delivers it later under that same key, so a batch written twice to the store overwrites
 * itself instead of duplicating records (a stream may repeat records: readers drop repeated request ids). When the
 * spool fails too, the records stay buffered and the next flush tries again.
 *
 * <p>Each record is encoded and compressed as it is appended, into an open gzip stream per UTC hour, so the cost is
 * spread over the calls in the order they arrive; a flush only closes the streams and writes them. Compressing whole
 * batches at flush time took the core for up to 4 ms at a time beside live calls (bench/RESULTS.md).
 *
 * <p>Each record is also appended to a {@link UsageJournal} before {@link #append} returns, so a record survives the
 * process's death between the call's answer and the next flush. A flush rotates the journal in the same step as it
 * takes the buffer (through a {@link SnapshotGate}: appends wait only for that step, which creates no file since the
 * next segment is opened before, and are all woken at once when it ends), names each hour's object after the closed
 * segment, and discards the segment once all of it is saved; {@link #recoverJournal()} delivers the segments of an
 * earlier process under those same names, so a segment written both by a flush and by a recovery is one object.
 */
public final class UsageLogWriter implements AutoCloseable {
    private static final int SPOOL_DRAIN_PAGE = 25;

    /** Of a flush's time ({@link #flushWithin(java.time.Duration)}), what is kept for the spool's write (a DynamoDB put). */
    public static final java.time.Duration SPOOL_RESERVE = java.time.Duration.ofMillis(400);

    /**
     * Of a flush's time, what the spool's write leaves unused: the SDK's work outside its call timeout (about 150 ms
     * for a cold client's first call: marshalling, endpoint rules, the timeout's unwinding) and the flush's return. So
     * the spool's write has at least 100 ms of {@link #SPOOL_RESERVE}. A write not done by then gives up, and its batch
     * stays in memory for the next flush.
     */
    static final java.time.Duration SPOOL_MARGIN = java.time.Duration.ofMillis(300);

    /** Less time than this left for the sink, and a flush's batch goes straight to the spool. */
    static final java.time.Duration MIN_SINK_TIME = java.time.Duration.ofMillis(50);
    /** With a background flusher, the buffer may grow to this many times its size before callers wait for a flush. */
    static final int BACKLOG_FACTOR = 8;

    private final UsageSink sink;
    private final UsageSpool spool;
    private final UsageJournal journal;
    /** Appends are changes, the buffer swap and segment rotation a snapshot. */
    private final SnapshotGate rotation = new SnapshotGate();

    private volatile boolean journalFailing;
    private final Clock clock;
    private final int maxBufferedRecords;
    /** One flush or recovery at a time. A lock, not a monitor: a flush may park (SnapshotGate) on a virtual
     * thread (an append that flushes itself), which on Java 21-23 would pin its carrier inside {@code synchronized}. */
    private final ReentrantLock flushLock = new ReentrantLock();
    /**
     * One drain at a time. Not {@link #flushLock}: a drain may wait on a slow sink for most of a Lambda invocation
     * (Firehose throttled after an outage), and on Lambda Managed Instances the other invocations' flushes must not
     * wait behind it. A drain and a flush never hand the same object key to the sink or the spool: a flush's batches
     * have new keys, and it spills each once.
     */
    private final ReentrantLock drainLock = new ReentrantLock();
    /**
     * Guards the buffer. A {@link ReentrantLock}, not a monitor: a virtual thread blocked on a monitor is woken by the
     * JDK's unblocker platform thread, onto the scheduler's external queue, which a busy carrier reads late.
     */
    private final ReentrantLock bufferLock = new ReentrantLock();
    /** Open gzip streams by UTC hour (epoch hour), in the order the hours were first seen. */
    private Map<Long, OpenHour> buffer = new LinkedHashMap<>(); // guarded by bufferLock

    private int bufferedRecords; // guarded by bufferLock
    /** Batches neither the store nor the spool took; its own lock, so a flush never holds the one appends take. */
    private final List<Batch> unsaved = new ArrayList<>();

    private volatile FlushListener listener = FlushListener.NONE;
    private volatile Executor flushExecutor;
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    private UsageLogWriter(
            UsageSink sink, UsageSpool spool, UsageJournal journal, Clock clock, int maxBufferedRecords) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxBufferedRecords < 1) {
            throw new IllegalArgumentException("maxBufferedRecords must be at least 1");
        }
        this.maxBufferedRecords = maxBufferedRecords;
    }

    /** A writer that flushes by itself once {@code maxBufferedRecords} are waiting. */
    public static UsageLogWriter create(ObjectStore store, UsageSpool spool, Clock clock, int maxBufferedRecords) {
        return new UsageLogWriter(UsageSink.objectStore(store), spool, UsageJournal.NONE, clock, maxBufferedRecords);
    }

    /** A writer that also makes each record durable in {@code journal} before {@link #append} returns. */
    public static UsageLogWriter create(
            ObjectStore store, UsageSpool spool, UsageJournal journal, Clock clock, int maxBufferedRecords) {
        return new UsageLogWriter(UsageSink.objectStore(store), spool, journal, clock, maxBufferedRecords);
    }

    /** A writer handing its batches to {@code sink} (a delivery stream) instead of an object store. */
    public static UsageLogWriter create(
            UsageSink sink, UsageSpool spool, UsageJournal journal, Clock clock, int maxBufferedRecords) {
        return new UsageLogWriter(sink, spool, journal, clock, maxBufferedRecords);
    }

    /** Observes flush outcomes (metrics, logs). */
    public void setListener(FlushListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Full buffers are flushed on {@code executor} instead of the appending thread, so a call never waits for the
     * store's write (an fsync locally, an S3 PUT in AWS); only when the store falls {@link #BACKLOG_FACTOR} buffers
     * behind does {@link #append} flush itself, which bounds memory. Without an executor (a Lambda, which flushes
     * after each invocation) the appending thread flushes.
     */
    public void flushInBackground(Executor executor) {
        this.flushExecutor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Adds a record, durable in the journal when this returns; flushes when the buffer is full (in the background
     * when an executor is set).
     *
     * @throws UsageJournalException when the journal could not be written (a full disk): the record is still buffered
     *     and its line is written with the journal's next successful commit, but until then it lives in memory only
     */
    public void append(UsageRecord record) {
        append(record, null);
    }

    /**
     * As {@link #append(UsageRecord)}, running {@code onSaved} once the record is durable: at once when the journal
     * took it, else after a flush handed it to the sink or the spool (on the flushing thread, after the flush). Never
     * run when the process dies first.
     */
    public void append(UsageRecord record, Runnable onSaved) {
        Objects.requireNonNull(record, "record");
        byte[] line = UsageRecordCodec.line(record); // outside the lock: only the compression is serialised
        long hour = Math.floorDiv(record.tsStart().getEpochSecond(), 3600L);
        RuntimeException[] journalError = {null};
        boolean journaled = journaled();
        int size = rotation.change(() -> {
            try {
                journal.append(line);
                journalFailing = false;
            } catch (RuntimeException e) {
                journalFailing = true;
                journalError[0] = e;
            }
            bufferLock.lock();
            try {
                buffer.computeIfAbsent(hour, h -> new OpenHour(record.tsStart()))
                        .add(line, journaled && journalError[0] == null ? null : onSaved);
                return ++bufferedRecords;
            } finally {
                bufferLock.unlock();
            }
        });
        if (journalError[0] != null) {
            throw new UsageJournalException(journalError[0]);
        }
        if (journaled && onSaved != null) {
            runQuietly(List.of(onSaved));
        }
        if (size < maxBufferedRecords) {
            return;
        }
        Executor executor = flushExecutor;
        if (executor == null || size >= maxBufferedRecords * BACKLOG_FACTOR) {
            flush();
        } else if (flushQueued.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    flushQueued.set(false);
                    flush();
                });
            } catch (RejectedExecutionException e) {
                flushQueued.set(false);
                flush();
            }
        }
    }

    /**
     * Whether the last journal write failed (a full disk): a caller that must not answer calls it cannot record
     * durably refuses new ones until {@link #retryJournal()} succeeds.
     */
    public boolean journalFailing() {
        return journalFailing;
    }

    /** Writes what a failed journal commit left pending; true when the journal is writable again. */
    public boolean retryJournal() {
        if (!journalFailing) {
            return true;
        }
        try {
            journal.append(new byte[0]);
            journalFailing = false;
        } catch (RuntimeException e) {
            // still failing; the next retry tries again
        }
        return !journalFailing;
    }

    /** Forces the journal's appended lines to the device (run once a second; bounds what a power loss loses). */
    public void syncJournal() {
        journal.sync();
    }

    /** Whether {@link #append} makes each record durable in a journal (the local gateway), not only in memory. */
    public boolean journaled() {
        return journal != UsageJournal.NONE;
    }

    /** Records appended but not yet handed to the store or the spool. */
    public int buffered() {
        int n;
        bufferLock.lock();
        try {
            n = bufferedRecords;
        } finally {
            bufferLock.unlock();
        }
        synchronized (unsaved) {
            for (Batch b : unsaved) {
                n += b.records();
            }
        }
        return n;
    }

    /**
     * Flushes, and says whether every record appended before the call is now in the store or the spool: none is left
     * in memory for a later flush. Records other threads append meanwhile do not count against it.
     */
    public boolean flushSaved() {
        flushLock.lock();
        try {
            flush();
            synchronized (unsaved) {
                return unsaved.isEmpty();
            }
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Writes every buffered record to the store (or, when the store fails, to the spool). Returns the number of
     * records that reached the store.
     */
    public int flush() {
        return flushWithin(null);
    }

    /**
     * As {@link #flush()} within {@code timeLeft} (a Lambda invocation's time before its deadline): the sink gets that
     * time less {@link #SPOOL_RESERVE}, kept for the spool's write; when less than that is left, the batches go
     * straight to the spool. The spool's write gets what is then left less {@link #SPOOL_MARGIN}
     * ({@link UsageSpool#spill(SpooledBatch, java.time.Duration)}); a batch it did not take by then stays in memory,
     * reported to the listener's {@code spoolFailed}, and the next flush tries it again. Null: no bound but the sink's
     * and the spool's own.
     */
    public int flushWithin(java.time.Duration timeLeft) {
        long deadline = timeLeft == null ? 0 : System.nanoTime() + timeLeft.toNanos() - SPOOL_RESERVE.toNanos();
        List<Runnable> saved = new ArrayList<>();
        int delivered;
        flushLock.lock();
        try {
            delivered = flushLocked(timeLeft == null ? null : deadline, saved);
        } finally {
            flushLock.unlock();
        }
        runQuietly(saved);
        return delivered;
    }

    private int flushLocked(Long deadline, List<Runnable> saved) {
        prepareRotationQuietly(); // the next segment's file, created while appends go on
        Taken taken = rotation.exclusively(() -> {
            Map<Long, OpenHour> hours;
            bufferLock.lock();
            try {
                hours = buffer;
                buffer = new LinkedHashMap<>();
                bufferedRecords = 0;
            } finally {
                bufferLock.unlock();
            }
            return new Taken(hours, rotateQuietly());
        });
        String segment = taken.segment();
        List<Batch> batches;
        synchronized (unsaved) {
            batches = new ArrayList<>(unsaved);
            unsaved.clear();
        }
        batches.addAll(
                toBatches(taken.hours(), segment != null ? segment : UsageJournal.newSegmentId(clock.instant())));
        int delivered = 0;
        for (Batch batch : batches) {
            delivered += deliver(batch, deadline, saved);
        }
        if (segment != null) {
            discardIfSaved(segment);
        }
        return delivered;
    }

    /** Runs each task; one that throws does not stop the others (a task ends its own failures). */
    private static void runQuietly(List<Runnable> tasks) {
        for (Runnable task : tasks) {
            try {
                task.run();
            } catch (RuntimeException e) {
                // the task's owner falls back on its own (a kept journal entry is ended by the sweeper)
            }
        }
    }

    /**
     * Delivers the journal segments an earlier process left (it was killed, or stopped while the store and the
     * spool failed); discards each segment once saved. Returns the number of records recovered. Lines that are not
     * records (torn by a power loss) are skipped and counted in the listener's {@code recovered} call. A whole record
     * of a newer {@code schema_version} (a roll-back after a crash) is not torn: its line is delivered as written with
     * its hour's records ({@link NewerSchemaLine}; the segment's hour when its {@code ts_start} is unreadable), so the
     * newer version counts it after a roll-forward; this version's readers skip it, saying to upgrade.
     *
     * <p>Recovery never replaces a stored object. The segment's own flush may have stored an hour before the process
     * died, with records a power loss then took from the journal's unsynced tail: replacing that object with the
     * journal's copy would lose them. So the records of each hour that neither the flush's object nor an earlier
     * recovery's holds (all of them when the sink cannot show either) go under the hour's {@link
     * UsageLayout#recoveredObjectKey recovered key}, or a new key when something may be there already; an hour stored
     * whole is not written again. Where records end up stored twice, readers drop the repeated request ids.
     *
     * <p>A segment neither the store nor the spool takes stays in memory with the flush's unsaved batches, and the
     * next segments are still delivered: a later flush discards the journal up to its own segment once everything is
     * saved, the earlier process's segments included, so none may be left undelivered behind it.
     */
    public int recoverJournal() {
        return recoverJournal(requestId -> {});
    }

    /**
     * As {@link #recoverJournal()}, telling {@code requestIds} the request id of each record found in the journal: the
     * records the earlier process made durable in its last moments, such as that of a call it died settling.
     */
    public int recoverJournal(java.util.function.Consumer<String> requestIds) {
        Objects.requireNonNull(requestIds, "requestIds");
        flushLock.lock();
        try {
            int recovered = 0;
            for (UsageJournal.Segment segment : journal.pending()) {
                Map<Long, RecoveredHour> byHour = new LinkedHashMap<>();
                int torn = segment.undecodable();
                int newer = 0;
                for (String line : segment.lines()) {
                    UsageRecord r;
                    try {
                        r = UsageRecordCodec.read(line);
                    } catch (RuntimeException e) {
                        Optional<NewerSchemaLine> kept = NewerSchemaLine.of(line);
                        if (kept.isEmpty()) {
                            torn++;
                        } else {
                            Instant start =
                                    kept.get().tsStart() != null ? kept.get().tsStart() : segmentOpened(segment.id());
                            RecoveredHour.of(byHour, start).newer.add(kept.get());
                            newer++;
                        }
                        continue;
                    }
                    requestIds.accept(r.requestId());
                    RecoveredHour.of(byHour, r.tsStart()).records.add(r);
                }
                int records = 0;
                for (RecoveredHour hour : byHour.values()) {
                    records += hour.records.size();
                    Instant start = hour.start;
                    Stored flushed = stored(UsageLayout.segmentObjectKey(start, segment.id()));
                    String recoveredKey = UsageLayout.recoveredObjectKey(start, segment.id());
                    Stored recoveredBefore = stored(recoveredKey);
                    List<UsageRecord> unstored = hour.records.stream()
                            .filter(r -> !flushed.holds(r.requestId()) && !recoveredBefore.holds(r.requestId()))
                            .toList();
                    List<String> unstoredNewer = hour.newer.stream()
                            .filter(l -> !flushed.holds(l.requestId()) && !recoveredBefore.holds(l.requestId()))
                            .map(NewerSchemaLine::text)
                            .toList();
                    if (!unstored.isEmpty() || !unstoredNewer.isEmpty()) {
                        // an earlier recovery's object is not replaced either: its records may be gone from here
                        String key = recoveredBefore.absent()
                                ? recoveredKey
                                : UsageLayout.newObjectKey(start, clock.instant());
                        deliver(
                                new Batch(
                                        new SpooledBatch(key, gzip(unstored, unstoredNewer)),
                                        unstored.size() + unstoredNewer.size(),
                                        List.of()),
                                null,
                                null);
                    }
                }
                if (records > 0 || torn > 0) {
                    listener.recovered(segment.id(), records, torn); // an empty segment needs no log line
                }
                if (newer > 0) {
                    listener.recoveredNewerSchema(segment.id(), newer);
                }
                recovered += records;
                discardIfSaved(segment.id()); // if not saved, the journal keeps it and a later flush delivers it
            }
            return recovered;
        } finally {
            flushLock.unlock();
        }
    }

    /** The request ids the sink holds under {@code key}; {@link Stored#UNKNOWN} when it cannot say or be asked. */
    private Stored stored(String key) {
        Optional<byte[]> content;
        try {
            content = sink.stored(key);
        } catch (RuntimeException e) {
            return Stored.UNKNOWN; // the store is down: delivered again, readers drop the repeated ids
        }
        if (content.isEmpty()) {
            return Stored.ABSENT;
        }
        Set<String> ids = new HashSet<>();
        for (String line : UsageLogReader.lines(content.get())) { // a damaged object: the lines before the damage
            try {
                ids.add(UsageRecordCodec.read(line).requestId());
            } catch (RuntimeException e) {
                // a newer schema's record is held too; a line that is no record: what it held is delivered again
                NewerSchemaLine.of(line).map(NewerSchemaLine::requestId).ifPresent(ids::add);
            }
        }
        return new Stored(ids, false);
    }

    /** What an object key holds, as far as recovery can tell: request ids, and whether nothing is there. */
    private record Stored(Set<String> ids, boolean absent) {
        static final Stored ABSENT = new Stored(Set.of(), true);
        /** The sink could not be asked: maybe something is there, so it is not written over. */
        static final Stored UNKNOWN = new Stored(Set.of(), false);

        boolean holds(String requestId) {
            return requestId != null && ids.contains(requestId);
        }
    }

    /**
     * One UTC hour of a journal segment's lines: the records this version reads, and those a newer Spendgate wrote
     * (kept as written, for it to count after a roll-forward).
     */
    private static final class RecoveredHour {
        final Instant start;
        final List<UsageRecord> records = new ArrayList<>();
        final List<NewerSchemaLine> newer = new ArrayList<>();

        private RecoveredHour(Instant start) {
            this.start = start;
        }

        static RecoveredHour of(Map<Long, RecoveredHour> byHour, Instant t) {
            return byHour.computeIfAbsent(Math.floorDiv(t.getEpochSecond(), 3600L), h -> new RecoveredHour(t));
        }
    }

    /**
     * When segment {@code id} was opened ({@link UsageJournal#newSegmentId}): the hour of a newer schema's line whose
     * {@code ts_start} this version cannot read. Now, for an id of another form.
     */
    private Instant segmentOpened(String id) {
        int dash = id.indexOf('-');
        try {
            return Instant.ofEpochMilli(Long.parseLong(dash < 0 ? id : id.substring(0, dash)));
        } catch (NumberFormatException e) {
            return clock.instant();
        }
    }

    private void prepareRotationQuietly() {
        try {
            journal.prepareRotation();
        } catch (RuntimeException e) {
            listener.journalFailed(e); // the rotation tries to open the segment itself, and keeps the open one if not
        }
    }

    private String rotateQuietly() {
        try {
            return journal.rotate();
        } catch (RuntimeException e) {
            // The open segment goes on receiving lines and is kept; a later flush or start delivers it.
            listener.journalFailed(e);
            return null;
        }
    }

    /** Discards the journal up to {@code segment} when nothing is left unsaved; returns whether it did. */
    private boolean discardIfSaved(String segment) {
        synchronized (unsaved) {
            if (!unsaved.isEmpty()) {
                return false;
            }
        }
        try {
            journal.discard(segment);
            return true;
        } catch (RuntimeException e) {
            listener.journalFailed(e); // delivered again at the next start, readers drop the repeated ids
            return false;
        }
    }

    /** Delivers spooled batches to the store; returns the number of batches delivered. */
    public int drainSpool() {
        return drainSpool(null);
    }

    /**
     * As {@link #drainSpool()} within {@code timeLeft} (part of a Lambda invocation's time): each sink call gets what
     * is left of it ({@link UsageSink#deliver(String, byte[], java.time.Duration)}), no page or batch is started with
     * less than {@link #MIN_SINK_TIME} left, and the batches not reached wait in the spool for the next drain. Null: no
     * bound but the sink's own, until the spool is empty.
     */
    public int drainSpool(java.time.Duration timeLeft) {
        long deadline = timeLeft == null ? 0 : System.nanoTime() + timeLeft.toNanos();
        drainLock.lock();
        try {
            int delivered = 0;
            while (true) {
                if (timeLeft != null && deadline - System.nanoTime() < MIN_SINK_TIME.toNanos()) {
                    return delivered;
                }
                List<SpooledBatch> pending = spool.pending(SPOOL_DRAIN_PAGE);
                if (pending.isEmpty()) {
                    return delivered;
                }
                for (SpooledBatch batch : pending) {
                    long left = timeLeft == null ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (left < MIN_SINK_TIME.toNanos()) {
                        return delivered; // the rest waits for the next drain
                    }
                    UsageSink.Refused refused;
                    try {
                        refused = timeLeft == null
                                ? sink.deliver(batch.objectKey(), batch.content())
                                : sink.deliver(batch.objectKey(), batch.content(), java.time.Duration.ofNanos(left));
                    } catch (RuntimeException e) {
                        listener.storeFailed(batch.objectKey(), e);
                        return delivered;
                    }
                    int records = UsageLogReader.lines(batch.content()).size();
                    if (!refused.isEmpty()) {
                        // Keep only the refused records (same key: the spool replaces the batch); the sink is
                        // struggling, so the rest waits for the next drain.
                        listener.storeFailed(batch.objectKey(), new PartialDeliveryException(refused));
                        respill(new SpooledBatch(batch.objectKey(), gzipLines(refused.lines())), timeLeft, deadline);
                        listener.delivered(
                                batch.objectKey(), records - refused.lines().size(), true);
                        return delivered;
                    }
                    spool.remove(batch.objectKey());
                    listener.delivered(batch.objectKey(), records, true);
                    delivered++;
                }
            }
        } finally {
            drainLock.unlock();
        }
    }

    /**
     * Replaces a spooled batch with the records a drain's sink refused, within what is left of the drain's time; with
     * none left the whole batch stays spooled (its delivered records go again: readers drop the repeated ids).
     */
    private void respill(SpooledBatch refused, java.time.Duration timeLeft, long deadline) {
        if (timeLeft == null) {
            spool.spill(refused);
            return;
        }
        long left = deadline - System.nanoTime();
        if (left >= 1_000_000) {
            spool.spill(refused, java.time.Duration.ofNanos(left));
        }
    }

    /** Flushes, then closes the journal (what could not be saved stays in it for the next start). */
    @Override
    public void close() {
        try {
            flush();
        } finally {
            journal.close();
        }
    }

    /**
     * Hands {@code batch} to the sink, what it refuses to the spool; adds the batch's tasks to {@code saved} once all
     * of it is in one or the other. With a {@code deadline} (System.nanoTime) the sink gets the time until it, and a
     * batch goes straight to the spool when none is left.
     */
    private int deliver(Batch batch, Long deadline, List<Runnable> saved) {
        SpooledBatch spooled = batch.spooled();
        int taken = 0;
        long left = deadline == null ? Long.MAX_VALUE : deadline - System.nanoTime();
        try {
            if (left < MIN_SINK_TIME.toNanos()) {
                throw new DeadlineException();
            }
            UsageSink.Refused refused = deadline == null
                    ? sink.deliver(spooled.objectKey(), spooled.content())
                    : sink.deliver(spooled.objectKey(), spooled.content(), java.time.Duration.ofNanos(left));
            if (refused.isEmpty()) {
                listener.delivered(spooled.objectKey(), batch.records(), false);
                if (saved != null) {
                    saved.addAll(batch.onSaved());
                }
                return batch.records();
            }
            taken = batch.records() - refused.lines().size();
            listener.delivered(spooled.objectKey(), taken, false);
            listener.storeFailed(spooled.objectKey(), new PartialDeliveryException(refused));
            batch = new Batch(
                    new SpooledBatch(spooled.objectKey(), gzipLines(refused.lines())),
                    refused.lines().size(),
                    batch.onSaved());
            spooled = batch.spooled();
        } catch (RuntimeException e) {
            // ObjectStoreException from the store; anything a stream's client throws: the batch goes to the spool
            listener.storeFailed(spooled.objectKey(), e);
        }
        try {
            spill(spooled, deadline);
            listener.spilled(spooled.objectKey(), batch.records());
            if (saved != null) {
                saved.addAll(batch.onSaved());
            }
        } catch (RuntimeException e) {
            listener.spoolFailed(spooled.objectKey(), e);
            synchronized (unsaved) {
                unsaved.add(batch);
            }
        }
        return taken;
    }

    /**
     * Spills within what is left of the flush's time less {@link #SPOOL_MARGIN} (the sink's {@code deadline} plus
     * {@link #SPOOL_RESERVE}); throws {@link DeadlineException} when nothing is left. No deadline: the spool's own bound.
     */
    private void spill(SpooledBatch spooled, Long deadline) {
        if (deadline == null) {
            spool.spill(spooled);
            return;
        }
        long left = deadline + SPOOL_RESERVE.toNanos() - SPOOL_MARGIN.toNanos() - System.nanoTime();
        if (left < 1_000_000) {
            throw new DeadlineException(
                    "no time left before the deadline to write the batch to the spool; kept in memory");
        }
        spool.spill(spooled, java.time.Duration.ofNanos(left));
    }

    /**
     * A flush with too little time left to give the sink (its batches go straight to the spool), or the spool (its
     * batches stay in memory for the next flush).
     */
    public static final class DeadlineException extends RuntimeException {
        DeadlineException() {
            this("too little time left before the deadline to hand the batch to the sink; spooled instead");
        }

        DeadlineException(String message) {
            super(message);
        }
    }

    private List<Batch> toBatches(Map<Long, OpenHour> hours, String segment) {
        List<Batch> batches = new ArrayList<>(hours.size());
        for (OpenHour hour : hours.values()) {
            batches.add(new Batch(
                    new SpooledBatch(UsageLayout.segmentObjectKey(hour.firstStart, segment), hour.finish()),
                    hour.records,
                    List.copyOf(hour.onSaved)));
        }
        return batches;
    }

    /** One hour's records so far, compressed as they came. */
    private static final class OpenHour {
        final Instant firstStart;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        final GZIPOutputStream gz;
        final List<Runnable> onSaved = new ArrayList<>(1);
        int records;

        OpenHour(Instant firstStart) {
            this.firstStart = firstStart;
            try {
                this.gz = new FastGzip(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void add(byte[] line, Runnable saved) {
            try {
                gz.write(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
            records++;
            if (saved != null) {
                onSaved.add(saved);
            }
        }

        byte[] finish() {
            try {
                gz.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    static byte[] gzip(List<UsageRecord> records) {
        return gzip(records, List.of());
    }

    /** Gzip NDJSON of {@code records}, then of {@code lines} as they are (given without their newlines). */
    static byte[] gzip(List<UsageRecord> records, List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((records.size() + lines.size()) * 256);
        try (GZIPOutputStream gz = new FastGzip(bytes)) {
            for (UsageRecord r : records) {
                UsageRecordCodec.write(r, gz);
            }
            for (String line : lines) {
                gz.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Gzip NDJSON of lines given without their newlines. */
    static byte[] gzipLines(List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(lines.size() * 256);
        try (GZIPOutputStream gz = new FastGzip(bytes)) {
            for (String line : lines) {
                gz.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                gz.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A batch, and what runs once it is in the sink or the spool. */
    private record Batch(SpooledBatch spooled, int records, List<Runnable> onSaved) {}

    /** What a flush took: the buffered hours, and the journal segment holding them (null when it could not rotate). */
    private record Taken(Map<Long, OpenHour> hours, String segment) {}

    /** Gzip at the fastest level: usage lines compress well anyway, and flushing runs beside live calls. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(ByteArrayOutputStream out) throws IOException {
            super(out, 8192);
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
    }

    /** Flush outcomes, for logs and metrics. Every method has a no-op default. */
    public interface FlushListener {
        FlushListener NONE = new FlushListener() {};

        default void delivered(String objectKey, int records, boolean fromSpool) {}

        default void storeFailed(String objectKey, RuntimeException cause) {}

        default void spilled(String objectKey, int records) {}

        default void spoolFailed(String objectKey, RuntimeException cause) {}

        /** A journal segment of an earlier process was delivered ({@code torn}: lines that were not records). */
        default void recovered(String segmentId, int records, int torn) {}

        /**
         * A journal segment of an earlier process held {@code lines} records of a newer {@code schema_version} (a
         * roll-back after a crash): delivered as written, for the newer version to count; this one skips them.
         */
        default void recoveredNewerSchema(String segmentId, int lines) {}

        /** The journal could not be rotated or discarded; its segments stay and are delivered at the next start. */
        default void journalFailed(RuntimeException cause) {}
    }

    /** The sink took part of a batch; the refused records went to the spool. */
    public static final class PartialDeliveryException extends RuntimeException {
        private final int refusedRecords;

        PartialDeliveryException(UsageSink.Refused refused) {
            super("refused " + refused.lines().size() + " records: " + refused.reason());
            this.refusedRecords = refused.lines().size();
        }

        public int refusedRecords() {
            return refusedRecords;
        }
    }

    /** The usage journal could not be written: the record is buffered in memory only until it can be. */
    public static final class UsageJournalException extends RuntimeException {
        UsageJournalException(RuntimeException cause) {
            super("the usage journal could not be written: " + cause.getMessage(), cause);
        }
    }
}
