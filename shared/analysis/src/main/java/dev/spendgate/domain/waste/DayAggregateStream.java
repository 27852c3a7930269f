package dev.spendgate.domain.waste;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * A stored day aggregate (the gzip JSON of {@link DayAggregates#write}) read as a stream: each element of its large
 * sections (retry scopes, groups, key attributions, prompts, heads, jobs) is decoded, handed over and dropped, so no
 * day is held whole. The fields must come in the order they are written (the record's); an object in another order
 * is refused as damaged, like one that does not decode.
 *
 * <p>Three passes over the gzip bytes, each from the start of a stream {@code gzipJson} opens afresh: {@link #check}
 * decodes everything and keeps nothing, so a day damaged in the middle of a section is refused before any of it is
 * merged; {@link #feed} then hands the day over in two passes, one after the other, because a merge reads a day's
 * prompt heads before its prompts, which are stored first. Every pass must read the same bytes: the window run reads
 * a local copy of the stored object ({@link SpooledObject}), never the store again.
 */
final class DayAggregateStream implements AutoCloseable {
    private static final ObjectMapper MAPPER = DayAggregates.MAPPER;
    private static final JavaType SCOPE = element(RetryDetector.DayState.class, "scopes");
    private static final JavaType MISMATCH = element(DayAggregate.class, "modelMismatch");
    private static final JavaType BLOAT = element(DayAggregate.class, "contextBloat");
    private static final JavaType CACHE = element(DayAggregate.class, "cacheMiss");
    private static final JavaType COMBO = element(DayAggregate.class, "ungoverned");
    private static final JavaType PROMPT = element(PromptCacheDetector.DayState.class, "prompts");
    private static final JavaType HEAD = element(PromptCacheDetector.DayState.class, "heads");
    private static final JavaType UNREAD = element(PromptCacheDetector.DayState.class, "unread");
    private static final JavaType UNSTABLE = type(PromptCacheDetector.DayState.class, "unstable");
    private static final JavaType JOB = element(DayAggregate.class, "batchTier");

    /** What a pass hands over: all of the day to a check, all but the prompts, or only the prompts. */
    private enum Pass {
        CHECK,
        MAIN,
        PROMPTS
    }

    private final JsonParser parser;
    private List<PromptCacheDetector.UnstableState> unstable;
    private long headsDropped;

    private DayAggregateStream(Supplier<InputStream> gzipJson) throws IOException {
        InputStream compressed = gzipJson.get();
        try {
            this.parser = MAPPER.createParser(new GZIPInputStream(compressed, 65536));
        } catch (IOException | RuntimeException e) {
            compressed.close();
            throw e;
        }
    }

    /** The bytes as a source that opens them afresh for each pass. */
    static Supplier<InputStream> of(byte[] gzipJson) {
        return () -> new ByteArrayInputStream(gzipJson);
    }

    /**
     * The day's header (its first six fields) alone: what decides whether the stored day is stale. Empty for a day
     * of another {@code schemaVersion}, whatever follows it.
     */
    static java.util.Optional<DayAggregate.Header> header(Supplier<InputStream> gzipJson) {
        try (DayAggregateStream s = new DayAggregateStream(gzipJson)) {
            return s.readHeader();
        } catch (IOException e) {
            throw damaged(e);
        } catch (UncheckedIOException e) {
            throw damaged(e.getCause());
        }
    }

    /**
     * Reads the whole day, every element decoded and dropped, to the gzip trailer (its CRC and length checked).
     *
     * @return the day's usual system prompts ({@link DayAggregate#usualPrompts()})
     * @throws IllegalArgumentException when any part of it is damaged, or not in the order written
     */
    static Map<String, Long> check(Supplier<InputStream> gzipJson) {
        try (DayAggregateStream s = new DayAggregateStream(gzipJson)) {
            s.readHeader()
                    .orElseThrow(() -> new IllegalArgumentException("not of schema " + DayAggregate.SCHEMA_VERSION));
            s.readRest(DaySections.NONE, Pass.CHECK);
            if (s.parser.nextToken() != null) {
                throw new IllegalArgumentException("unreadable day aggregate: data after its end");
            }
            return DayAggregate.usualPrompts(s.unstable);
        } catch (IOException e) {
            throw damaged(e);
        } catch (UncheckedIOException e) {
            throw damaged(e.getCause());
        }
    }

    /** Hands a day {@link #check} accepted to {@code sections}, in the order {@link DaySections} asks for. */
    static void feed(Supplier<InputStream> gzipJson, DaySections sections) {
        try {
            List<PromptCacheDetector.UnstableState> unstable;
            long headsDropped;
            try (DayAggregateStream main = new DayAggregateStream(gzipJson)) {
                main.readHeader().orElseThrow();
                main.readRest(sections, Pass.MAIN);
                unstable = main.unstable;
                headsDropped = main.headsDropped;
            }
            try (DayAggregateStream prompts = new DayAggregateStream(gzipJson)) {
                prompts.readPrompts(sections);
            }
            sections.end(unstable, headsDropped);
        } catch (IOException e) {
            // check() read the same bytes to their end: the merge cannot go on with part of a day
            throw new UncheckedIOException("a checked day aggregate did not read again", e);
        }
    }

    private java.util.Optional<DayAggregate.Header> readHeader() throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("not a day aggregate");
        }
        int schemaVersion = field("schemaVersion", Integer.class);
        if (schemaVersion != DayAggregate.SCHEMA_VERSION) {
            return java.util.Optional.empty();
        }
        LocalDate day = field("day", LocalDate.class);
        String catalogVersion = field("catalogVersion", String.class);
        int sourceObjects = field("sourceObjects", Integer.class);
        String sourceDigest = nullable("sourceDigest", String.class);
        ReadStats input = field("input", ReadStats.class);
        return java.util.Optional.of(
                new DayAggregate.Header(schemaVersion, day, catalogVersion, sourceObjects, sourceDigest, input));
    }

    private void readRest(DaySections out, Pass pass) throws IOException {
        long calls = field("calls", Long.class);
        BigDecimal spendUsd = field("spendUsd", BigDecimal.class);
        Map<String, BigDecimal> spendByFeature = field("spendByFeature", type(DayAggregate.class, "spendByFeature"));
        Map<String, BigDecimal> coveredByFeature =
                field("coveredByFeature", type(DayAggregate.class, "coveredByFeature"));
        BigDecimal coveredUsd = field("coveredUsd", BigDecimal.class);
        Map<String, Map<String, BigDecimal>> byFeature =
                field("departmentsByFeature", type(DayAggregate.class, "departmentsByFeature"));
        Map<String, Map<String, BigDecimal>> byKey =
                field("departmentsByKey", type(DayAggregate.class, "departmentsByKey"));
        UnpricedCalls unpriced = field("unpriced", UnpricedCalls.class);
        out.totals(new DayAggregate.Totals(
                calls, spendUsd, spendByFeature, coveredByFeature, coveredUsd, byFeature, byKey, unpriced));

        objectField("retry");
        elements("scopes", SCOPE, (RetryDetector.ScopeState s) -> out.retryScope(s));
        name("orphanPeaks");
        start(JsonToken.START_OBJECT, "orphanPeaks");
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String session = parser.currentName();
            parser.nextToken();
            Long peak = MAPPER.readValue(parser, Long.class);
            out.retryOrphanPeak(session, required(peak, "orphanPeaks." + session));
        }
        endObject("retry");

        elements("modelMismatch", MISMATCH, (ModelMismatchDetector.GroupState g) -> out.modelMismatch(g));
        elements("contextBloat", BLOAT, (ContextBloatDetector.GroupState g) -> out.contextBloat(g));
        elements("cacheMiss", CACHE, (CacheMissDetector.PartitionState p) -> out.cacheMiss(p));
        elements("ungoverned", COMBO, (UngovernedKeyDetector.ComboState c) -> out.ungoverned(c));

        objectField("promptCache");
        if (pass == Pass.CHECK) {
            elements("prompts", PROMPT, (PromptCacheDetector.PromptState p) -> out.prompt(p));
        } else {
            name("prompts");
            start(JsonToken.START_ARRAY, "prompts");
            parser.skipChildren();
        }
        elements("heads", HEAD, (PromptCacheDetector.HeadState h) -> out.promptHead(h));
        elements("unread", UNREAD, (PromptCacheDetector.UnreadState u) -> out.promptUnread(u));
        unstable = field("unstable", UNSTABLE);
        headsDropped = field("headsDropped", Long.class);
        endObject("promptCache");

        elements("batchTier", JOB, (BatchTierDetector.JobState j) -> out.batchJob(j));
        if (parser.nextToken() != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException("unexpected " + parser.currentToken() + " after batchTier");
        }
    }

    /** Skips to the day's prompts and hands them over (the rest of the day was read by another pass). */
    private void readPrompts(DaySections out) throws IOException {
        parser.nextToken();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean prompts = "promptCache".equals(parser.currentName());
            parser.nextToken();
            if (prompts) {
                elements("prompts", PROMPT, (PromptCacheDetector.PromptState p) -> out.prompt(p));
                return;
            }
            parser.skipChildren();
        }
        throw new IllegalArgumentException("no promptCache");
    }

    private <T> void elements(String name, JavaType type, Consumer<T> each) throws IOException {
        name(name);
        start(JsonToken.START_ARRAY, name);
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            T value = MAPPER.readValue(parser, type);
            each.accept(required(value, name + " element"));
        }
    }

    private <T> T field(String name, Class<T> type) throws IOException {
        return required(nullable(name, type), name);
    }

    private <T> T field(String name, JavaType type) throws IOException {
        name(name);
        parser.nextToken();
        return required(MAPPER.readValue(parser, type), name);
    }

    private <T> T nullable(String name, Class<T> type) throws IOException {
        name(name);
        parser.nextToken();
        return MAPPER.readValue(parser, type);
    }

    private void objectField(String name) throws IOException {
        name(name);
        start(JsonToken.START_OBJECT, name);
    }

    private void endObject(String name) throws IOException {
        if (parser.nextToken() != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException("unexpected " + parser.currentToken() + " at the end of " + name);
        }
    }

    /** The next field must be {@code expected}: the order the aggregate is written in. */
    private void name(String expected) throws IOException {
        if (parser.nextToken() != JsonToken.FIELD_NAME || !expected.equals(parser.currentName())) {
            throw new IllegalArgumentException("unexpected " + parser.currentToken()
                    + (parser.currentToken() == JsonToken.FIELD_NAME ? " " + parser.currentName() : "")
                    + " where " + expected + " was written");
        }
    }

    private void start(JsonToken token, String name) throws IOException {
        if (parser.nextToken() != token) {
            throw new IllegalArgumentException(name + " is " + parser.currentToken() + ", not " + token);
        }
    }

    private static <T> T required(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("unreadable day aggregate: " + name + " is null");
        }
        return value;
    }

    private static IllegalArgumentException damaged(IOException e) {
        return new IllegalArgumentException("unreadable day aggregate: " + e.getMessage(), e);
    }

    private static JavaType type(Class<? extends Record> record, String component) {
        for (RecordComponent c : record.getRecordComponents()) {
            if (c.getName().equals(component)) {
                return MAPPER.getTypeFactory().constructType(c.getGenericType());
            }
        }
        throw new IllegalStateException(record.getSimpleName() + " has no " + component);
    }

    private static JavaType element(Class<? extends Record> record, String component) {
        return type(record, component).getContentType();
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
