package dev.spendgate.domain.waste;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The waste run at scale: each day of the usage log is summarised once into a {@link DayAggregate} under
 * {@code aggregates/v1/day=YYYY-MM-DD/waste.json.gz}, and a 30-day window reads 30 of those instead of every record.
 * A day whose aggregate is missing, damaged, of another schema or catalog, or older than its usage objects (a late
 * object, for example a spool replay) is rebuilt from the log and written back, so the figures are never smaller than
 * the log's; damage is said in the report's input warnings.
 */
public final class DayAggregates {
    public static final String PREFIX = "aggregates/v1/";
    static final ObjectMapper MAPPER = mapper();

    private final ObjectStore store;
    private final WasteAnalyzer analyzer;
    private final String catalogVersion;
    private final int fetchAhead;

    private DayAggregates(ObjectStore store, WasteAnalyzer analyzer, String catalogVersion, int fetchAhead) {
        this.store = Objects.requireNonNull(store, "store");
        this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
        this.catalogVersion = Objects.requireNonNull(catalogVersion, "catalogVersion");
        if (fetchAhead < 1) {
            throw new IllegalArgumentException("fetchAhead must be at least 1");
        }
        this.fetchAhead = fetchAhead;
    }

    /** Aggregates of {@code store}'s usage log, built with {@code analyzer} (priced with catalog {@code version}). */
    public static DayAggregates create(
            ObjectStore store, WasteAnalyzer analyzer, String catalogVersion, int fetchAhead) {
        return new DayAggregates(store, analyzer, catalogVersion, fetchAhead);
    }

    /** The object key of a day's aggregate. */
    public static String key(LocalDate day) {
        return PREFIX + "day=" + day + "/waste.json.gz";
    }

    /** What a window run did with its days' aggregates. */
    public record Outcome(WasteReport report, int reused, List<LocalDate> built, List<String> notes) {}

    /** The report of a window of whole UTC days, from the days' aggregates (built or rebuilt where needed). */
    public Outcome analyze(WasteWindow window) {
        LocalDate first = window.from().atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate end = window.to().atZone(ZoneOffset.UTC).toLocalDate();
        if (!first.atStartOfDay(ZoneOffset.UTC).toInstant().equals(window.from())
                || !end.atStartOfDay(ZoneOffset.UTC).toInstant().equals(window.to())) {
            throw new IllegalArgumentException("window must start and end at UTC midnight: " + window);
        }
        // each day is merged as it is read, a stored one part by part (DayAggregateStream): the window holds no day
        WasteAnalyzer.Merge merge = analyzer.merge();
        List<LocalDate> built = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int reused = 0;
        Map<String, java.util.LinkedHashSet<Long>> usual = new java.util.LinkedHashMap<>();
        for (LocalDate day = first; day.isBefore(end); day = day.plusDays(1)) {
            Sources sources = sources(day);
            Map<String, Long> dayUsual = null;
            // one GET to a local file, then every pass reads that copy: the same bytes, none of them on the heap
            Optional<SpooledObject> stored = SpooledObject.copy(store, key(day));
            try {
                LocalDate today = day;
                Optional<Checked> checked = stored.flatMap(spooled -> check(today, spooled, sources, notes));
                if (checked.isPresent()) {
                    reused++;
                    dayUsual = checked.get().usualPrompts();
                    merge.add(checked.get().header(), sections -> DayAggregateStream.feed(stored.get(), sections));
                }
            } finally {
                stored.ifPresent(SpooledObject::close);
            }
            if (dayUsual == null) {
                built.add(day);
                DayAggregate a = build(day, sources, usual);
                dayUsual = a.usualPrompts();
                merge.add(a);
            }
            dayUsual.forEach((k, v) -> usual.computeIfAbsent(k, x -> new java.util.LinkedHashSet<>())
                    .add(v));
        }
        return new Outcome(merge.finish(window, notes), reused, built, notes);
    }

    /** A stored day that can be merged: current, and read to its end without damage. */
    private record Checked(DayAggregate.Header header, Map<String, Long> usualPrompts) {}

    /**
     * The stored day, if it can be merged: its header first (stale: empty), then every part of it decoded and dropped
     * (damaged: empty, and said in {@code notes}), so that a day is never half merged.
     */
    private Optional<Checked> check(LocalDate day, Supplier<InputStream> stored, Sources sources, List<String> notes) {
        try {
            Optional<DayAggregate.Header> header = DayAggregateStream.header(stored);
            if (header.isEmpty() || stale(header.get(), day, sources) != null) {
                return Optional.empty();
            }
            return Optional.of(new Checked(header.get(), DayAggregateStream.check(stored)));
        } catch (RuntimeException e) {
            notes.add(key(day) + ": damaged (" + e.getMessage() + "), rebuilt from the usage log");
            return Optional.empty();
        }
    }

    /** Builds (or rebuilds) one day's aggregate from the log, as the first day of a window, and stores it. */
    public DayAggregate build(LocalDate day) {
        return build(day, sources(day), Map.of());
    }

    private DayAggregate build(
            LocalDate day, Sources sources, Map<String, ? extends java.util.Collection<Long>> usual) {
        Map<String, long[]> refs = new java.util.HashMap<>();
        usual.forEach(
                (k, v) -> refs.put(k, v.stream().mapToLong(Long::longValue).toArray()));
        DayAggregate a =
                analyzer.summarizeDay(store, day, fetchAhead, refs).withSources(sources.objects(), sources.digest());
        store.put(key(day), write(a));
        return a;
    }

    private String stale(DayAggregate.Header a, LocalDate day, Sources sources) {
        if (a.schemaVersion() != DayAggregate.SCHEMA_VERSION) {
            return "schema " + a.schemaVersion();
        }
        if (!day.equals(a.day())) {
            return "holds day " + a.day();
        }
        if (!catalogVersion.equals(a.catalogVersion())) {
            return "priced with catalog " + a.catalogVersion();
        }
        if (!sources.current(a.sourceObjects(), a.sourceDigest())) {
            return "usage objects changed since it was built";
        }
        return null;
    }

    /**
     * The usage objects a day rests on: the day's and the hour before it ({@code day}), and those with the next day's
     * hour 00 too ({@code read}), all the day's pass reads. A day is stored with {@code read} and {@link #NEXT_HOUR}
     * before its digest; a day stored without it (built before the next hour 00 counted) is compared with
     * {@code day}, so an upgrade does not rebuild 30 days at once: it is rebuilt when those objects change.
     */
    private record Sources(Listing day, Listing read) {
        /** Marks a stored digest that covers the next day's hour 00. */
        static final String NEXT_HOUR = "h00+";

        int objects() {
            return read.objects();
        }

        String digest() {
            return NEXT_HOUR + read.digest();
        }

        boolean current(int storedObjects, String storedDigest) {
            if (storedDigest != null && storedDigest.startsWith(NEXT_HOUR)) {
                return storedObjects == read.objects() && read.matches(storedDigest.substring(NEXT_HOUR.length()));
            }
            return storedObjects == day.objects() && day.matches(storedDigest);
        }
    }

    /**
     * Usage objects: how many, the SHA-256 of their keys, and that of their keys and listed sizes (null when the store
     * lists no sizes). Stored as {@code keys/sizes} (or {@code keys} alone, as days built before sizes counted did);
     * current when its keys match and, where both sides know them, its sizes.
     */
    private record Listing(int objects, String keysDigest, String sizesDigest) {
        String digest() {
            return sizesDigest == null ? keysDigest : keysDigest + "/" + sizesDigest;
        }

        boolean matches(String stored) {
            if (stored == null) {
                return false;
            }
            int slash = stored.indexOf('/');
            if (slash < 0) {
                return stored.equals(keysDigest);
            }
            return stored.substring(0, slash).equals(keysDigest)
                    && (sizesDigest == null || stored.substring(slash + 1).equals(sizesDigest));
        }
    }

    /**
     * The usage objects a day's aggregate rests on: those the day's pass reads, the day's own and those of the hour
     * before it and of the next day's hour 00 (the day's calls stored by arrival time), each by key and listed size, so
     * an object added (a late object, a spool replay) or replaced by one of another size (records added to it) makes
     * the stored day stale.
     */
    private Sources sources(LocalDate day) {
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        List<ObjectStore.Listed> objects =
                new ArrayList<>(store.listWithSizes(UsageLayout.hourPrefix(start.minus(Duration.ofHours(1)))));
        objects.addAll(store.listWithSizes(UsageLayout.dayPrefix(start)));
        objects.removeIf(o -> !o.key().endsWith(".ndjson.gz"));
        List<ObjectStore.Listed> read = new ArrayList<>(objects);
        read.addAll(store.listWithSizes(UsageLayout.hourPrefix(start.plus(Duration.ofDays(1)))));
        read.removeIf(o -> !o.key().endsWith(".ndjson.gz"));
        return new Sources(listing(objects), listing(read));
    }

    private static Listing listing(List<ObjectStore.Listed> objects) {
        try {
            MessageDigest keys = MessageDigest.getInstance("SHA-256");
            MessageDigest withSizes = MessageDigest.getInstance("SHA-256");
            boolean sized = true;
            for (ObjectStore.Listed o : objects) {
                byte[] key = o.key().getBytes(StandardCharsets.UTF_8);
                keys.update(key);
                keys.update((byte) '\n');
                withSizes.update(key);
                withSizes.update((" " + o.size() + "\n").getBytes(StandardCharsets.UTF_8));
                sized &= o.size() != ObjectStore.Listed.UNKNOWN_SIZE;
            }
            return new Listing(
                    objects.size(),
                    HexFormat.of().formatHex(keys.digest()),
                    sized ? HexFormat.of().formatHex(withSizes.digest()) : null);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Merges a stored day (gzip JSON written by {@link #write}) into {@code merge} as a stream, never holding the day
     * whole: the day is first read to its end and dropped, so a damaged one is refused before any of it is merged.
     *
     * @return the day's header
     * @throws IllegalArgumentException when the day is damaged or of another schema version (nothing merged)
     */
    public static DayAggregate.Header merge(byte[] gzipJson, WasteAnalyzer.Merge merge) {
        return merge(DayAggregateStream.of(gzipJson), merge);
    }

    /**
     * As {@link #merge(byte[], WasteAnalyzer.Merge)}, the stored day under {@code key} streamed once from
     * {@code store} to a local temporary file (deleted after) and read from there: the day's compressed bytes are
     * not held either. Empty when there is no object under the key.
     *
     * @throws dev.spendgate.domain.store.ObjectStoreException when the store or the local disk fails (nothing merged)
     */
    public static Optional<DayAggregate.Header> merge(ObjectStore store, String key, WasteAnalyzer.Merge merge) {
        Optional<SpooledObject> stored = SpooledObject.copy(store, key);
        try {
            return stored.map(spooled -> merge(spooled, merge));
        } finally {
            stored.ifPresent(SpooledObject::close);
        }
    }

    /**
     * As {@link #merge(byte[], WasteAnalyzer.Merge)}, the day's gzip JSON opened afresh by {@code gzipJson} for each
     * of the three passes; each must give the same bytes (or the merge may take part of the day and fail).
     */
    public static DayAggregate.Header merge(Supplier<InputStream> gzipJson, WasteAnalyzer.Merge merge) {
        DayAggregate.Header header = DayAggregateStream.header(gzipJson)
                .orElseThrow(() ->
                        new IllegalArgumentException("day aggregate not of schema " + DayAggregate.SCHEMA_VERSION));
        DayAggregateStream.check(gzipJson);
        merge.add(header, sections -> DayAggregateStream.feed(gzipJson, sections));
        return header;
    }

    /** The aggregate as gzip JSON. */
    public static byte[] write(DayAggregate aggregate) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(aggregate, bytes);
        return bytes.toByteArray();
    }

    public static void write(DayAggregate aggregate, OutputStream out) {
        try (OutputStream gzip = new GZIPOutputStream(out, 65536)) {
            MAPPER.writeValue(gzip, aggregate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads gzip JSON written by {@link #write}; throws {@link IllegalArgumentException} when it is damaged. */
    public static DayAggregate read(byte[] gzipJson) {
        return read(new ByteArrayInputStream(gzipJson));
    }

    public static DayAggregate read(InputStream in) {
        try (InputStream gzip = new GZIPInputStream(in, 65536)) {
            DayAggregate a = MAPPER.readValue(gzip, DayAggregate.class);
            if (a == null || a.day() == null) {
                throw new IllegalArgumentException("not a day aggregate");
            }
            return a;
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable day aggregate: " + e.getMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        SimpleModule time = new SimpleModule("spendgate-time");
        time.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(value.toString());
            }
        });
        time.addDeserializer(Instant.class, new JsonDeserializer<>() {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return Instant.parse(p.getValueAsString());
            }
        });
        time.addSerializer(LocalDate.class, new JsonSerializer<>() {
            @Override
            public void serialize(LocalDate value, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(value.toString());
            }
        });
        time.addDeserializer(LocalDate.class, new JsonDeserializer<>() {
            @Override
            public LocalDate deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return LocalDate.parse(p.getValueAsString());
            }
        });
        return new ObjectMapper()
                .registerModule(time)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    }
}
