package dev.spendgate.domain.usage;

import dev.spendgate.domain.io.GzipMembers;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.UsageRecordCodec.MalformedUsageRecordException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Streams the usage records whose {@code ts_start} falls in {@code [from, to)}, one object at a time, dropping
 * repeated request ids. Unreadable objects and lines are skipped and counted, never fatal. When a call has both a
 * settled record and a worst-case estimate written by the sweeper ({@link UsageRecord#worstCaseEstimate()}), the
 * settled one is kept whichever comes first: estimates are held back until their hour has been read.
 */
public final class UsageLogReader {
    /**
     * Bytes of fetched usage-log objects a read holds by default when it fetches ahead: two of the largest objects
     * Firehose writes (its 128 MiB buffer), the one being read and the next.
     */
    public static final long DEFAULT_BYTES_AHEAD = 256L << 20;
    /** Lines per chunk handed to a parse thread. */
    static final int CHUNK_LINES = 512;
    /** Chunks queued for the caller, parsed or being parsed: at most 64 x 512 lines (about 32,000 records). */
    static final int CHUNKS_AHEAD = 64;

    private final ObjectStore store;
    private final AtomicLong peakBytesAhead = new AtomicLong();
    private final AtomicLong peakLinesAhead = new AtomicLong();

    private UsageLogReader(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public static UsageLogReader create(ObjectStore store) {
        return new UsageLogReader(store);
    }

    /**
     * Feeds each record in the window to {@code sink} and says what was read and skipped. Memory stays bounded
     * whatever the window: one object is held at a time, its lines are parsed as they are decompressed, and repeated
     * request ids are tracked per hour partition (the writers put a record under the hour of its {@code ts_start}, so
     * a batch delivered twice repeats within one hour). A record found outside its hour's partition is held to the
     * end of the read and checked against the ids stored in its own hour, then delivered once.
     */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink) {
        return read(from, to, sink, 1);
    }

    /**
     * As {@link #read(Instant, Instant, Consumer, int, long)}, holding at most {@link #DEFAULT_BYTES_AHEAD} of fetched
     * objects.
     */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink, int fetchAhead) {
        return read(from, to, sink, fetchAhead, DEFAULT_BYTES_AHEAD);
    }

    /**
     * As {@link #read(Instant, Instant, Consumer)}, fetching up to {@code fetchAhead} objects in parallel ahead of the
     * one being read (for stores with per-object latency, such as S3) while their listed sizes add up to at most
     * {@code bytesAhead}, the object being read included. An object larger than {@code bytesAhead} (or of unknown
     * size) is not fetched ahead: it is streamed when its turn comes. One thread decompresses the objects in order and
     * hands their lines in chunks to parse threads (one fewer than the processors, at least one), so parsing runs
     * beside the caller's sink; at most {@link #CHUNKS_AHEAD} chunks of {@link #CHUNK_LINES} lines wait, parsed or not.
     * Records still arrive in object order. What the read holds is therefore bounded by {@code bytesAhead} plus those
     * chunks, whatever the size or number of the objects. With {@code fetchAhead} 1 everything runs on the caller's
     * thread, one object streamed at a time.
     */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink, int fetchAhead, long bytesAhead) {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
        if (fetchAhead < 1) {
            throw new IllegalArgumentException("fetchAhead must be at least 1");
        }
        if (bytesAhead < 1) {
            throw new IllegalArgumentException("bytesAhead must be at least 1");
        }
        Delivery delivery = new Delivery(from, to, sink);
        if (fetchAhead == 1) {
            readEdgeStreamed(delivery.edgeBefore, delivery);
            for (Instant day = from.truncatedTo(ChronoUnit.DAYS);
                    day.isBefore(to);
                    day = day.plus(1, ChronoUnit.DAYS)) {
                String prefix = UsageLayout.dayPrefix(day);
                for (String key : store.list(prefix)) {
                    if (key.endsWith(".ndjson.gz") && mayHold(key, prefix, day, from, to)) {
                        readStreamed(key, delivery);
                    }
                }
            }
            readEdgeStreamed(delivery.edgeAfter, delivery);
            return delivery.finish(this::idsStoredIn);
        }
        ExecutorService fetchers = pool(fetchAhead, "usage-log-fetch");
        ExecutorService parsers = pool(
                Math.max(1, Math.min(fetchAhead, Runtime.getRuntime().availableProcessors() - 1)), "usage-log-parse");
        ExecutorService splitter = pool(1, "usage-log-gunzip");
        try {
            readEdgeAhead(delivery.edgeBefore, fetchAhead, bytesAhead, delivery, fetchers, parsers, splitter);
            for (Instant day = from.truncatedTo(ChronoUnit.DAYS);
                    day.isBefore(to);
                    day = day.plus(1, ChronoUnit.DAYS)) {
                List<ObjectStore.Listed> objects = new ArrayList<>();
                String prefix = UsageLayout.dayPrefix(day);
                for (ObjectStore.Listed object : store.listWithSizes(prefix)) {
                    if (object.key().endsWith(".ndjson.gz") && mayHold(object.key(), prefix, day, from, to)) {
                        objects.add(object);
                    }
                }
                if (!objects.isEmpty()) {
                    readAhead(objects, fetchAhead, bytesAhead, delivery, fetchers, parsers, splitter);
                }
            }
            readEdgeAhead(delivery.edgeAfter, fetchAhead, bytesAhead, delivery, fetchers, parsers, splitter);
            return delivery.finish(this::idsStoredIn);
        } finally {
            stop(fetchers, parsers, splitter);
        }
    }

    /**
     * The objects of the hour partition just outside the window at one edge ({@link Delivery#edgeBefore} or {@link
     * Delivery#edgeAfter}), for the window's records stored there: a call that started at 23:59:59.9 on the 31st
     * stored under the 1st's hour 00 (a writer partitioning by arrival time, an object copied by hand). Only records
     * whose {@code ts_start} is in the window are taken from them; the rest, and their damage, are the neighbouring
     * window's to count.
     */
    private void readEdgeStreamed(Instant hour, Delivery delivery) {
        for (String key : store.list(UsageLayout.hourPrefix(hour))) {
            if (key.endsWith(".ndjson.gz")) {
                readStreamed(key, delivery);
            }
        }
    }

    /** As {@link #readEdgeStreamed}, fetching ahead. */
    private void readEdgeAhead(
            Instant hour,
            int fetchAhead,
            long bytesAhead,
            Delivery delivery,
            ExecutorService fetchers,
            ExecutorService parsers,
            ExecutorService splitter) {
        List<ObjectStore.Listed> objects = new ArrayList<>();
        for (ObjectStore.Listed object : store.listWithSizes(UsageLayout.hourPrefix(hour))) {
            if (object.key().endsWith(".ndjson.gz")) {
                objects.add(object);
            }
        }
        if (!objects.isEmpty()) {
            readAhead(objects, fetchAhead, bytesAhead, delivery, fetchers, parsers, splitter);
        }
    }

    /**
     * Of {@code wanted}, the request ids stored in the objects of {@code hour}'s own partition: what decides whether a
     * record stored outside its hour repeats one stored in it. Read one object at a time, keeping only those ids.
     */
    private java.util.Set<String> idsStoredIn(Instant hour, java.util.Set<String> wanted) {
        java.util.Set<String> found = new HashSet<>();
        for (String key : store.list(UsageLayout.hourPrefix(hour))) {
            InputStream content = key.endsWith(".ndjson.gz") ? store.open(key).orElse(null) : null;
            if (content != null) {
                forEachLine(
                        new StoreFailure(content, key),
                        line -> parse(line, parsed -> {
                            if (parsed instanceof UsageRecord r && wanted.contains(r.requestId())) {
                                found.add(r.requestId());
                            }
                        }));
            }
        }
        return found;
    }

    /**
     * Stops the read's threads and waits a little for them to end, so that none outlives the read in a warm process
     * (a fetch blocked in a socket read ignores the interrupt until its next packet).
     */
    private static void stop(ExecutorService... pools) {
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
        }
        try {
            for (ExecutorService pool : pools) {
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the object {@code key}, listed under {@code dayPrefix} (of {@code day}), may hold records of {@code
     * [from, to)}: false only for an object in an {@code hour=HH/} partition wholly outside it. Records are
     * partitioned by their own start hour (the writers', Firehose's dynamic partitioning), so such an object holds
     * none, and a read of a few hours (the daily run's hour before its day) does not fetch the rest of the day. An
     * object outside the layout's hour partitions is read.
     */
    static boolean mayHold(String key, String dayPrefix, Instant day, Instant from, Instant to) {
        if (!key.startsWith(dayPrefix + "hour=") || key.length() < dayPrefix.length() + 8) {
            return true;
        }
        int at = dayPrefix.length() + 5;
        char tens = key.charAt(at);
        char units = key.charAt(at + 1);
        if (tens < '0' || tens > '2' || units < '0' || units > '9' || key.charAt(at + 2) != '/') {
            return true;
        }
        int hour = (tens - '0') * 10 + (units - '0');
        if (hour > 23) {
            return true;
        }
        Instant hourStart = day.plus(hour, ChronoUnit.HOURS);
        return hourStart.isBefore(to) && hourStart.plus(1, ChronoUnit.HOURS).isAfter(from);
    }

    /** The largest sum of listed sizes of objects fetched and not yet read through, over this reader's reads. */
    long peakBytesAhead() {
        return peakBytesAhead.get();
    }

    /** The most lines handed to the parse threads and not yet delivered, over this reader's reads. */
    long peakLinesAhead() {
        return peakLinesAhead.get();
    }

    private static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** One object read on the caller's thread as it arrives, never held whole (Firehose objects reach 128 MB). */
    private void readStreamed(String key, Delivery delivery) {
        delivery.begin(key);
        InputStream content = store.open(key).orElse(null);
        if (content == null) {
            return;
        }
        String error = forEachLine(new StoreFailure(content, key), line -> parse(line, delivery::accept));
        delivery.end(error);
    }

    /**
     * One day's objects: a gunzip thread ({@link #split}) walks them in order and queues, per object, its key, the
     * futures of its parsed chunks and its end; this (the caller's) thread delivers them in that order.
     */
    private void readAhead(
            List<ObjectStore.Listed> objects,
            int fetchAhead,
            long bytesAhead,
            Delivery delivery,
            ExecutorService fetchers,
            ExecutorService parsers,
            ExecutorService splitter) {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
        AtomicLong linesAhead = new AtomicLong();
        AtomicBoolean stopped = new AtomicBoolean();
        Future<?> split = splitter.submit(
                () -> split(objects, fetchAhead, bytesAhead, queue, linesAhead, stopped, fetchers, parsers));
        try {
            while (true) {
                Object item = next(queue, split);
                if (item instanceof Chunk chunk) {
                    for (Object parsed : await(chunk.parsed)) {
                        delivery.accept(parsed);
                    }
                    linesAhead.addAndGet(-chunk.lines);
                } else if (item instanceof Begin begin) {
                    delivery.begin(begin.key);
                } else if (item instanceof End end) {
                    delivery.end(end.error);
                } else if (item instanceof Failed failed) {
                    if (failed.cause instanceof Error error) {
                        throw error;
                    }
                    if (failed.cause instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(failed.cause);
                } else {
                    return; // DONE
                }
            }
        } finally {
            stopped.set(true);
            split.cancel(true);
        }
    }

    /**
     * The gunzip thread's next item. Should that thread end without queueing its end or its failure (it cannot
     * today; this is the guard that a future change cannot turn a failed read into a read that waits forever), the
     * read fails with what ended it.
     */
    private static Object next(BlockingQueue<Object> queue, Future<?> split) {
        try {
            while (true) {
                Object item = queue.poll(1, TimeUnit.SECONDS);
                if (item != null) {
                    return item;
                }
                if (split.isDone()) {
                    item = queue.poll();
                    if (item != null) {
                        return item;
                    }
                    await(split);
                    throw new IllegalStateException("the usage-log gunzip thread ended before the read did");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the usage log", e);
        }
    }

    /**
     * The gunzip thread: fetches ahead within the budget, then for each object in order decompresses it (from the
     * fetched bytes, or streamed from the store if it was too large to fetch ahead), cuts its lines into chunks and
     * has them parsed on {@code parsers}. A store failure is queued for the caller to throw; damage ends the object.
     */
    private void split(
            List<ObjectStore.Listed> objects,
            int fetchAhead,
            long bytesAhead,
            BlockingQueue<Object> queue,
            AtomicLong linesAhead,
            AtomicBoolean stopped,
            ExecutorService fetchers,
            ExecutorService parsers) {
        List<Future<Optional<byte[]>>> fetches = new ArrayList<>(java.util.Collections.nCopies(objects.size(), null));
        int next = 0;
        long held = 0; // listed sizes of the objects fetched and not yet read through
        try {
            for (int i = 0; i < objects.size(); i++) {
                while (next < objects.size() && next - i < fetchAhead) {
                    ObjectStore.Listed ahead = objects.get(next);
                    if (ahead.size() != ObjectStore.Listed.UNKNOWN_SIZE && ahead.size() <= bytesAhead) {
                        if (held + ahead.size() > bytesAhead) {
                            break; // wait until the objects before it are read through
                        }
                        held += ahead.size();
                        long inFlight = held;
                        peakBytesAhead.accumulateAndGet(inFlight, Math::max);
                        fetches.set(next, fetchers.submit(() -> store.get(ahead.key())));
                    } // else streamed when its turn comes, holding no more than the decompressor's buffers
                    next++;
                }
                ObjectStore.Listed object = objects.get(i);
                put(queue, new Begin(object.key()));
                Future<Optional<byte[]>> fetch = fetches.set(i, null);
                InputStream content = fetch == null
                        ? store.open(object.key())
                                .map(in -> (InputStream) new StoreFailure(in, object.key()))
                                .orElse(null)
                        : await(fetch)
                                .map(bytes -> (InputStream) new ByteArrayInputStream(bytes))
                                .orElse(null);
                String error = null;
                if (content != null) {
                    Chunker chunker = new Chunker(queue, linesAhead, parsers);
                    error = forEachLine(content, chunker);
                    chunker.flush();
                }
                if (fetch != null) {
                    held -= object.size();
                }
                put(queue, new End(error));
            }
            put(queue, DONE);
        } catch (Throwable e) {
            // Anything that ends this thread early goes to the caller, unless the caller is the one that stopped it.
            // An interrupt that is not the caller's (e.g. left set by an adapter) is a failure like any other.
            Thread.interrupted();
            Throwable cause = e instanceof Cancelled ? new IllegalStateException("usage-log read interrupted") : e;
            try {
                while (!stopped.get() && !queue.offer(new Failed(cause), 100, TimeUnit.MILLISECONDS)) {
                    // the caller is still delivering earlier chunks
                }
            } catch (InterruptedException callerStopped) {
                // the caller stopped reading
            }
        } finally {
            for (Future<Optional<byte[]>> fetch : fetches) {
                if (fetch != null) {
                    fetch.cancel(true);
                }
            }
        }
    }

    /** Cuts lines into chunks of {@link #CHUNK_LINES}, each parsed on a parse thread and queued in order. */
    private final class Chunker implements Consumer<String> {
        private final BlockingQueue<Object> queue;
        private final AtomicLong linesAhead;
        private final ExecutorService parsers;
        private List<String> lines = new ArrayList<>(CHUNK_LINES);

        Chunker(BlockingQueue<Object> queue, AtomicLong linesAhead, ExecutorService parsers) {
            this.queue = queue;
            this.linesAhead = linesAhead;
            this.parsers = parsers;
        }

        @Override
        public void accept(String line) {
            lines.add(line);
            if (lines.size() == CHUNK_LINES) {
                flush();
            }
        }

        void flush() {
            if (lines.isEmpty()) {
                return;
            }
            List<String> chunk = lines;
            lines = new ArrayList<>(CHUNK_LINES);
            peakLinesAhead.accumulateAndGet(linesAhead.addAndGet(chunk.size()), Math::max);
            put(queue, new Chunk(parsers.submit(() -> parseAll(chunk)), chunk.size()));
        }
    }

    private static List<Object> parseAll(List<String> lines) {
        List<Object> parsed = new ArrayList<>(lines.size());
        for (String line : lines) {
            parse(line, parsed::add);
        }
        return parsed;
    }

    private static void put(BlockingQueue<Object> queue, Object item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
    }

    /** The gunzip thread was told to stop: the caller no longer reads. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super(null, null, false, false);
        }
    }

    private record Begin(String key) {}

    private record Chunk(Future<List<Object>> parsed, int lines) {}

    private record End(String error) {}

    private record Failed(Throwable cause) {}

    private static final Object DONE = new Object();

    /** Delivers parsed lines in the log's order: the window, repeated request ids, estimates, counts, warnings. */
    private static final class Delivery {
        private final Instant from;
        private final Instant to;
        private final Consumer<UsageRecord> sink;
        private final Counts counts = new Counts();
        private final Set<String> seen = new HashSet<>();
        // records of the window stored outside their own hour, by that hour: checked against it when the read ends
        private final Map<Instant, Map<String, UsageRecord>> strays = new TreeMap<>();
        // worst-case estimates of this hour, delivered once the hour is read unless a settled record replaced them
        private final Map<String, UsageRecord> estimates = new LinkedHashMap<>();
        private String hour;
        private String key;
        /** The hour partitions just outside the window, read for the window's records stored there. */
        final Instant edgeBefore;

        final Instant edgeAfter;
        /** The start of the current object's hour partition; null for an object outside the hour partitions. */
        private Instant objectHour;
        /** Whether the current object is in an edge partition: only its records of the window are this read's. */
        private boolean edge;

        Delivery(Instant from, Instant to, Consumer<UsageRecord> sink) {
            this.from = from;
            this.to = to;
            this.sink = sink;
            this.edgeBefore = from.truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS);
            Instant last = to.truncatedTo(ChronoUnit.HOURS);
            this.edgeAfter = last.equals(to) ? last : last.plus(1, ChronoUnit.HOURS);
        }

        void begin(String key) {
            this.key = key;
            String keyHour = key.substring(0, key.lastIndexOf('/') + 1);
            if (!keyHour.equals(hour)) {
                deliverEstimates(estimates, counts, sink);
                seen.clear();
                hour = keyHour;
                objectHour = partitionHour(keyHour);
            }
            edge = objectHour != null && (objectHour.equals(edgeBefore) || objectHour.equals(edgeAfter));
            if (!edge) {
                counts.objects++;
            }
        }

        void accept(Object parsed) {
            if (parsed instanceof MalformedUsageRecordException e) {
                if (edge) {
                    return; // the neighbouring window's to count
                }
                counts.malformedLines++;
                if (e.field() != null) {
                    counts.malformedByField.merge(e.field(), 1L, Long::sum);
                }
                addWarning(counts.warnings, key + ": skipped a line: " + e.getMessage());
                return;
            }
            UsageRecord r = (UsageRecord) parsed;
            if (r.tsStart().isBefore(from) || !r.tsStart().isBefore(to)) {
                if (!edge && objectHour != null && !nearObjectHour(r.tsStart())) {
                    // No window reads this partition for it: counted here, not lost unsaid.
                    counts.malformedLines++;
                    counts.malformedByField.merge("ts_start", 1L, Long::sum);
                    addWarning(
                            counts.warnings,
                            key + ": skipped record " + r.requestId() + ": ts_start " + r.tsStart()
                                    + " is outside the window and more than an hour from the object's hour"
                                    + " partition, where no report reads it");
                }
                return; // else the neighbouring window's: its own hour, or its edge partition
            }
            if (objectHour != null
                    && (r.tsStart().isBefore(objectHour)
                            || !r.tsStart().isBefore(objectHour.plus(1, ChronoUnit.HOURS)))) {
                hold(r);
                return;
            }
            if (r.worstCaseEstimate()) {
                if (seen.contains(r.requestId()) || estimates.putIfAbsent(r.requestId(), r) != null) {
                    counts.duplicates++;
                }
                return;
            }
            if (!seen.add(r.requestId())) {
                counts.duplicates++;
                return;
            }
            if (estimates.remove(r.requestId()) != null) {
                counts.duplicates++;
            }
            counts.records++;
            sink.accept(r);
        }

        /**
         * Whether {@code ts} is in the current object's hour or an hour next to it: such a record outside this window
         * is read by the neighbouring window, whose own or edge partition this is.
         */
        private boolean nearObjectHour(Instant ts) {
            return !ts.isBefore(objectHour.minus(1, ChronoUnit.HOURS))
                    && ts.isBefore(objectHour.plus(2, ChronoUnit.HOURS));
        }

        void end(String error) {
            if (error != null && !edge) {
                counts.unreadableObjects++;
                addWarning(counts.warnings, key + ": " + error);
            }
        }

        /**
         * Holds a record stored outside its own hour partition (a copy re-delivered under a later hour, an object
         * written by arrival time): the per-hour duplicate check cannot see its own hour's ids, so it waits for the
         * end of the read. What is held grows with such records only, never with the window.
         */
        private void hold(UsageRecord r) {
            Map<String, UsageRecord> hour =
                    strays.computeIfAbsent(r.tsStart().truncatedTo(ChronoUnit.HOURS), h -> new LinkedHashMap<>());
            UsageRecord before = hour.get(r.requestId());
            if (before == null) {
                hour.put(r.requestId(), r);
                return;
            }
            counts.duplicates++;
            if (before.worstCaseEstimate() && !r.worstCaseEstimate()) {
                hour.put(r.requestId(), r); // the settled record is kept, as within an hour
            }
        }

        /**
         * The records held for being stored outside their hour: each whose request id is also stored in its own hour
         * partition is a repeat (dropped and counted); the rest are delivered once.
         */
        private void deliverStrays(java.util.function.BiFunction<Instant, Set<String>, Set<String>> storedIn) {
            for (Map.Entry<Instant, Map<String, UsageRecord>> hour : strays.entrySet()) {
                Set<String> repeated =
                        storedIn.apply(hour.getKey(), hour.getValue().keySet());
                int outside = 0;
                for (UsageRecord r : hour.getValue().values()) {
                    if (repeated.contains(r.requestId())) {
                        counts.duplicates++;
                    } else {
                        counts.records++;
                        outside++;
                        sink.accept(r);
                    }
                }
                if (outside > 0) {
                    addWarning(
                            counts.warnings,
                            outside + " records of hour " + hour.getKey() + " were stored outside its partition" + " ("
                                    + UsageLayout.hourPrefix(hour.getKey()) + "): read once, by their ts_start");
                }
            }
            strays.clear();
        }

        ReadStats finish(java.util.function.BiFunction<Instant, Set<String>, Set<String>> storedIn) {
            deliverEstimates(estimates, counts, sink);
            deliverStrays(storedIn);
            return new ReadStats(
                    counts.objects,
                    counts.records,
                    counts.duplicates,
                    counts.malformedLines,
                    counts.unreadableObjects,
                    List.copyOf(counts.warnings),
                    Map.copyOf(counts.malformedByField));
        }
    }

    private static final java.util.regex.Pattern HOUR_PARTITION =
            java.util.regex.Pattern.compile("year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/hour=(\\d{2})/$");

    /** The start of the hour partition a key prefix (ending in {@code /}) names; null when it names none. */
    static Instant partitionHour(String keyPrefix) {
        java.util.regex.Matcher m = HOUR_PARTITION.matcher(keyPrefix);
        if (!m.find()) {
            return null;
        }
        try {
            return java.time.LocalDateTime.of(
                            Integer.parseInt(m.group(1)),
                            Integer.parseInt(m.group(2)),
                            Integer.parseInt(m.group(3)),
                            Integer.parseInt(m.group(4)),
                            0)
                    .toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static void deliverEstimates(
            Map<String, UsageRecord> estimates, Counts counts, Consumer<UsageRecord> sink) {
        for (UsageRecord r : estimates.values()) {
            counts.records++;
            sink.accept(r);
        }
        estimates.clear();
    }

    /**
     * Each record on a line, or the reason a value on it is not one; nothing for a blank line. A line holding two
     * records (a lost line break) yields both.
     */
    private static void parse(String line, Consumer<Object> out) {
        if (!line.isBlank()) {
            UsageRecordCodec.readAll(line, out);
        }
    }

    /** The lines of a gzip NDJSON object (empty on unreadable content). */
    static List<String> lines(byte[] gzipContent) {
        List<String> lines = new ArrayList<>();
        forEachLine(gzipContent, lines::add);
        return lines;
    }

    /** Feeds each line to {@code consumer} as it is decompressed; returns the damage, or null when the object is whole. */
    private static String forEachLine(byte[] gzipContent, Consumer<String> consumer) {
        return forEachLine(new ByteArrayInputStream(gzipContent), consumer);
    }

    /** As {@link #forEachLine(byte[], Consumer)}, from a stream it closes. */
    private static String forEachLine(InputStream gzipContent, Consumer<String> consumer) {
        GzipMembers members;
        StopAtDamage gzip;
        try {
            members = GzipMembers.skippingDamage(gzipContent, 16384);
            gzip = new StopAtDamage(members);
        } catch (IOException e) {
            closeQuietly(gzipContent);
            return "unreadable gzip (" + e.getMessage() + ")";
        } catch (RuntimeException e) {
            closeQuietly(gzipContent);
            throw e;
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(gzip, StandardCharsets.UTF_8), 16384)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                consumer.accept(line);
            }
        } catch (IOException e) {
            return "unreadable gzip (" + e.getMessage() + ")";
        }
        // A truncated object yields every line decompressed before the damage; a cut line fails to parse, counted.
        // A damaged member in the middle is skipped: the members after it are read, the object still counted damaged.
        if (gzip.damage != null) {
            return "unreadable gzip (" + gzip.damage.getMessage() + ")";
        }
        return members.damage()
                .map(e -> "unreadable gzip (" + e.getMessage() + "); " + members.damagedStretches()
                        + " damaged stretch(es) skipped, the whole members after them read")
                .orElse(null);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing more is read from it
        }
    }

    /**
     * A stored object's stream whose read failures (the store's, not the content's: a dropped connection) are
     * {@link ObjectStoreException}s, so that they fail the read as {@link ObjectStore#get} does rather than pass for
     * a damaged object that is skipped.
     */
    private static final class StoreFailure extends java.io.FilterInputStream {
        private final String key;

        StoreFailure(InputStream in, String key) {
            super(in);
            this.key = key;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return super.available();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private ObjectStoreException failed(IOException e) {
            return new ObjectStoreException("could not read usage object " + key, e);
        }
    }

    /**
     * Ends the stream where the compressed data is damaged instead of throwing, so the text decoder hands on every
     * line decompressed before the damage (it reads ahead and would drop them with the exception).
     */
    private static final class StopAtDamage extends java.io.FilterInputStream {
        IOException damage;

        StopAtDamage(java.io.InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (damage != null) {
                return -1;
            }
            try {
                return super.read();
            } catch (IOException e) {
                damage = e;
                return -1;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (damage != null) {
                return -1;
            }
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                damage = e;
                return -1;
            }
        }

        @Override
        public int available() throws IOException {
            return damage != null ? 0 : super.available();
        }
    }

    private static <T> T await(Future<T> fetch) {
        try {
            return fetch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the usage log", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void addWarning(List<String> warnings, String warning) {
        if (warnings.size() < 100) {
            warnings.add(warning);
        }
    }

    private static final class Counts {
        int objects;
        long records;
        long duplicates;
        long malformedLines;
        long unreadableObjects;
        final List<String> warnings = new ArrayList<>();
        final Map<String, Long> malformedByField = new TreeMap<>();
    }

    /**
     * What a read saw: objects listed, records delivered, and what it skipped.
     *
     * @param malformedByField of the malformed lines, those rejected for one named field (e.g. {@code cost_usd} that
     *     is not a number), per field
     * @param quarantinedByReason of the records delivered, those a consumer left out because their cost failed its
     *     check (e.g. {@code implausible_cost}), per reason; the reader itself quarantines none
     */
    public record ReadStats(
            int objects,
            long records,
            long duplicates,
            long malformedLines,
            long unreadableObjects,
            List<String> warnings,
            Map<String, Long> malformedByField,
            Map<String, Long> quarantinedByReason) {
        public ReadStats {
            warnings = List.copyOf(warnings);
            malformedByField = Map.copyOf(malformedByField);
            quarantinedByReason = quarantinedByReason == null ? Map.of() : Map.copyOf(quarantinedByReason);
        }

        public ReadStats(
                int objects,
                long records,
                long duplicates,
                long malformedLines,
                long unreadableObjects,
                List<String> warnings,
                Map<String, Long> malformedByField) {
            this(objects, records, duplicates, malformedLines, unreadableObjects, warnings, malformedByField, Map.of());
        }

        public ReadStats(
                int objects,
                long records,
                long duplicates,
                long malformedLines,
                long unreadableObjects,
                List<String> warnings) {
            this(objects, records, duplicates, malformedLines, unreadableObjects, warnings, Map.of());
        }

        /** The records left out for their cost, all reasons together. */
        public long quarantined() {
            return quarantinedByReason.values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }

        /** These stats with {@code more} quarantined records (per reason) added to the ones they count. */
        public ReadStats plusQuarantined(Map<String, Long> more) {
            if (more.isEmpty()) {
                return this;
            }
            Map<String, Long> all = new TreeMap<>(quarantinedByReason);
            more.forEach((k, v) -> all.merge(k, v, Long::sum));
            return new ReadStats(
                    objects, records, duplicates, malformedLines, unreadableObjects, warnings, malformedByField, all);
        }
    }
}
