package dev.spendgate.domain.usage;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Streams the usage records whose {@code ts_start} falls in {@code [from, to)}, one object at a time, dropping
 * repeated request ids. Unreadable objects and lines are skipped and counted, never fatal. When a call has both a
 * settled record and a worst-case estimate written by the sweeper ({@link UsageRecord#worstCaseEstimate()}), the
 * settled one is kept whichever comes first: estimates are held back until their hour has been read.
 */
public final class UsageLogReader {
    private final ObjectStore store;

    private UsageLogReader(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public static UsageLogReader create(ObjectStore store) {
        return new UsageLogReader(store);
    }

    /**
     * Feeds each record in the window to {@code sink} and says what was read and skipped. Memory stays bounded
     * whatever the window: one object is held at a time, its lines are parsed as they are decompressed, and repeated
     * request ids are tracked per hour partition (a record is always written under the hour of its {@code ts_start},
     * so a batch delivered twice repeats within one hour).
     */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink) {
        return read(from, to, sink, 1);
    }

    /**
     * As {@link #read(Instant, Instant, Consumer)}, fetching up to {@code fetchAhead} objects in parallel ahead of the
     * one being parsed (for stores with per-object latency, such as S3). The next objects (one fewer than the
     * processors, at least one) are also decompressed and parsed ahead, in other threads, so that work runs beside the
     * caller's sink. Records still arrive in object order; at most {@code fetchAhead} fetched objects wait in memory,
     * and of them at most that many parsed.
     */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink, int fetchAhead) {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
        if (fetchAhead < 1) {
            throw new IllegalArgumentException("fetchAhead must be at least 1");
        }
        ExecutorService fetchers = fetchAhead == 1 ? null : pool(fetchAhead, "usage-log-fetch");
        int decodeAhead = Math.max(1, Math.min(fetchAhead, Runtime.getRuntime().availableProcessors() - 1));
        ExecutorService decoders = fetchAhead == 1 ? null : pool(decodeAhead, "usage-log-decode");
        try {
            return read(from, to, sink, fetchAhead, fetchers, decodeAhead, decoders);
        } finally {
            if (fetchers != null) {
                fetchers.shutdownNow();
                decoders.shutdownNow();
            }
        }
    }

    private static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** An object fetched ahead, and once it is among the next few to read, decompressed and parsed ahead. */
    private static final class Ahead {
        final Future<Optional<byte[]>> fetch;
        Future<Optional<Decoded>> decoded;

        Ahead(Future<Optional<byte[]>> fetch) {
            this.fetch = fetch;
        }
    }

    private ReadStats read(
            Instant from,
            Instant to,
            Consumer<UsageRecord> sink,
            int fetchAhead,
            ExecutorService fetchers,
            int decodeAhead,
            ExecutorService decoders) {
        Counts counts = new Counts();
        Set<String> seen = new HashSet<>();
        // worst-case estimates of this hour, delivered once the hour is read unless a settled record replaced them
        Map<String, UsageRecord> estimates = new LinkedHashMap<>();
        String hour = null;
        for (Instant day = from.truncatedTo(ChronoUnit.DAYS); day.isBefore(to); day = day.plus(1, ChronoUnit.DAYS)) {
            List<String> keys = new ArrayList<>();
            for (String key : store.list(UsageLayout.dayPrefix(day))) {
                if (key.endsWith(".ndjson.gz")) {
                    keys.add(key);
                }
            }
            ArrayDeque<Ahead> ahead = new ArrayDeque<>();
            int submitted = 0;
            for (String key : keys) {
                while (fetchers != null && submitted < keys.size() && ahead.size() < fetchAhead) {
                    String next = keys.get(submitted++);
                    ahead.add(new Ahead(fetchers.submit(() -> store.get(next))));
                }
                int decoding = 0;
                for (Ahead a : ahead) {
                    if (decoding++ == decodeAhead) {
                        break;
                    }
                    if (a.decoded == null) {
                        a.decoded = decoders.submit(() -> await(a.fetch).map(Decoded::of));
                    }
                }
                String keyHour = key.substring(0, key.lastIndexOf('/') + 1);
                if (!keyHour.equals(hour)) {
                    deliverEstimates(estimates, counts, sink);
                    seen.clear();
                    hour = keyHour;
                }
                counts.objects++;
                Consumer<Object> deliver = parsed -> {
                    if (parsed instanceof MalformedUsageRecordException e) {
                        counts.malformedLines++;
                        if (e.field() != null) {
                            counts.malformedByField.merge(e.field(), 1L, Long::sum);
                        }
                        addWarning(counts.warnings, key + ": skipped a line: " + e.getMessage());
                        return;
                    }
                    UsageRecord r = (UsageRecord) parsed;
                    if (r.tsStart().isBefore(from) || !r.tsStart().isBefore(to)) {
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
                };
                String error;
                if (fetchers == null) {
                    // one object at a time: read as it arrives, never held whole (Firehose objects reach 128 MB)
                    InputStream content = store.open(key).orElse(null);
                    if (content == null) {
                        continue;
                    }
                    error = forEachLine(new StoreFailure(content, key), line -> {
                        Object parsed = parse(line);
                        if (parsed != null) {
                            deliver.accept(parsed);
                        }
                    });
                } else {
                    Decoded decoded = await(ahead.poll().decoded).orElse(null);
                    if (decoded == null) {
                        continue;
                    }
                    decoded.parsed.forEach(deliver);
                    error = decoded.error;
                }
                if (error != null) {
                    counts.unreadableObjects++;
                    addWarning(counts.warnings, key + ": " + error);
                }
            }
        }
        deliverEstimates(estimates, counts, sink);
        return new ReadStats(
                counts.objects,
                counts.records,
                counts.duplicates,
                counts.malformedLines,
                counts.unreadableObjects,
                List.copyOf(counts.warnings),
                Map.copyOf(counts.malformedByField));
    }

    private static void deliverEstimates(
            Map<String, UsageRecord> estimates, Counts counts, Consumer<UsageRecord> sink) {
        for (UsageRecord r : estimates.values()) {
            counts.records++;
            sink.accept(r);
        }
        estimates.clear();
    }

    /** A line as a record, or the reason it is not one; null for a blank line. */
    private static Object parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            return UsageRecordCodec.read(line);
        } catch (MalformedUsageRecordException e) {
            return e;
        }
    }

    /**
     * An object decompressed and parsed by a decode thread, so that with {@code fetchAhead > 1} the gunzip and JSON
     * parsing of the objects ahead run in parallel with the caller's sink (the daily waste run's day pass).
     */
    private record Decoded(List<Object> parsed, String error) {
        static Decoded of(byte[] content) {
            List<Object> parsed = new ArrayList<>();
            String error = forEachLine(content, line -> {
                Object p = parse(line);
                if (p != null) {
                    parsed.add(p);
                }
            });
            return new Decoded(parsed, error);
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
        StopAtDamage gzip;
        try {
            gzip = new StopAtDamage(new GZIPInputStream(gzipContent, 16384));
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
        return gzip.damage == null ? null : "unreadable gzip (" + gzip.damage.getMessage() + ")";
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

    private static <T> Optional<T> await(Future<Optional<T>> fetch) {
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
     */
    public record ReadStats(
            int objects,
            long records,
            long duplicates,
            long malformedLines,
            long unreadableObjects,
            List<String> warnings,
            Map<String, Long> malformedByField) {
        public ReadStats {
            warnings = List.copyOf(warnings);
            malformedByField = Map.copyOf(malformedByField);
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
    }
}
