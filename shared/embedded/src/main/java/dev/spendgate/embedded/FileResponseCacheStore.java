package dev.spendgate.embedded;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.cache.QuestionSimilarity;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.domain.pricing.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The response cache on disk, for {@code ./spendgate local}: one JSON file per answer under
 * {@code answers/<first two hex digits>/<key>.json} and one per shared prefix under {@code prefixes/<key>.json},
 * written to a temporary file and moved into place, so a crash leaves the old file or the new one. The oldest fills
 * of a feature past its {@code maxEntries} are deleted (by a fill sequence number kept in each file, {@code fill_seq}:
 * an answer's {@code stored_at} is when its call asked, which for a slow answer is before quicker ones filled since),
 * and so are the oldest fills of all past {@code maxAnswers} answers or {@code maxBytes} bytes in all (feature names
 * are the clients', so the per-feature limit alone bounds nothing). Expired answers are deleted when met, when the
 * store opens (those expired before the newest fill on disk) and, at most once a minute, on a fill (those expired at
 * its {@code stored_at}), never later than the clock reads: an answer no call asks for again does not stay on disk,
 * and one fill made while the clock ran ahead does not take live answers with it. Answers past the total limits are
 * logged ({@code cache.total_limit}) where they are dropped.
 *
 * <p>The keys present (with feature and expiry) and the semantic index are held in memory, read from the files at
 * start and updated on every fill, expiry and eviction, so a miss never touches the disk. Answers up to
 * {@value #HOT_ENTRY_BYTES} bytes are also kept in memory, the most recently used first, up to {@code hotBytes} in
 * all; a hit on one of them reads no file. One gateway process owns the directory: another process writing to it is
 * not seen until a restart. Thread-safe within one process.
 */
public final class FileResponseCacheStore implements ResponseCacheStore {
    /** Answers larger than this are read from their file on each hit. */
    public static final int HOT_ENTRY_BYTES = 64 * 1024;
    /** Memory for hot answers unless the constructor says otherwise. */
    public static final long DEFAULT_HOT_BYTES = 16L * 1024 * 1024;
    /** Answers kept in all, whatever the feature, unless the constructor says otherwise. */
    public static final int DEFAULT_MAX_ANSWERS = 100_000;
    /** Bytes of answer files kept in all unless the constructor says otherwise. */
    public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024 * 1024;
    /** At most one sweep of expired answers per this many nanoseconds of fills. */
    private static final long SWEEP_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Present(String feature, Instant expiresAt) {}

    private record Unsequenced(String feature, String key, Instant storedAt, long bytes) {}

    /** What the start reads of an answer's file: not its body. */
    private record Header(String key, String feature, Instant storedAt, Instant expiresAt, Long fillSeq) {}

    private final Path answers;
    private final Path prefixes;
    /** Every key with a file, for lookups that must not touch the disk. */
    private final ConcurrentHashMap<String, Present> present = new ConcurrentHashMap<>();
    /** The answers in fill order, per feature and in all, for the limits (guarded by itself). */
    private final CacheFills fills = new CacheFills();
    /** The next fill's sequence number (guarded by {@code fills}). */
    private long nextFill = 1;
    /** When a fill last swept expired answers, by {@link System#nanoTime()} (guarded by {@code fills}). */
    private long lastSweepNanos;

    private final java.time.Clock clock;
    /** Whether dropping answers past the total limits was logged (guarded by {@code fills}, or at start). */
    private boolean totalLimitLogged;

    private static final dev.spendgate.logging.JsonLogger LOG = dev.spendgate.logging.JsonLogger.create("embedded");

    private boolean swept; // guarded by fills: whether a fill has swept yet

    private final int maxAnswers;
    private final long maxBytes;
    /** Per shared prefix: the questions answered behind it, newest first (guarded by {@code this}). */
    private final Map<String, List<SemanticEntry>> semantic = new HashMap<>();
    /** Per answer in the semantic index: its shared prefix, to take it out when it leaves (guarded by {@code this}). */
    private final Map<String, String> prefixOf = new HashMap<>();

    private final HotAnswers hot;

    public FileResponseCacheStore(Path dir) {
        this(dir, DEFAULT_HOT_BYTES);
    }

    /** @param hotBytes memory for answers kept in memory besides their files; 0 keeps none */
    public FileResponseCacheStore(Path dir, long hotBytes) {
        this(dir, hotBytes, DEFAULT_MAX_ANSWERS, DEFAULT_MAX_BYTES);
    }

    /**
     * @param maxAnswers answers kept in all, the oldest fill deleted first past it
     * @param maxBytes bytes of answer files kept in all, the oldest fill deleted first past it
     */
    public FileResponseCacheStore(Path dir, long hotBytes, int maxAnswers, long maxBytes) {
        this(dir, hotBytes, maxAnswers, maxBytes, java.time.Clock.systemUTC());
    }

    /**
     * As {@link #FileResponseCacheStore(Path, long, int, long)}; {@code clock} bounds what counts as expired when
     * answers are swept: never later than it reads, so one fill made while the clock ran ahead (a VM started before
     * NTP set it) does not delete answers that are still live by the corrected clock.
     */
    FileResponseCacheStore(Path dir, long hotBytes, int maxAnswers, long maxBytes, java.time.Clock clock) {
        Objects.requireNonNull(dir, "dir");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (hotBytes < 0) {
            throw new IllegalArgumentException("hotBytes must be >= 0, was " + hotBytes);
        }
        if (maxAnswers < 1 || maxBytes < 1) {
            throw new IllegalArgumentException(
                    "maxAnswers and maxBytes must be >= 1, were " + maxAnswers + " and " + maxBytes);
        }
        this.maxAnswers = maxAnswers;
        this.maxBytes = maxBytes;
        this.hot = new HotAnswers(hotBytes);
        this.answers = dir.resolve("answers");
        this.prefixes = dir.resolve("prefixes");
        try {
            Files.createDirectories(answers);
            Files.createDirectories(prefixes);
            Map<Path, Header> headers = new LinkedHashMap<>();
            Instant newest = null;
            try (Stream<Path> files = Files.walk(answers)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    try {
                        Header h = readHeader(f);
                        headers.put(f, h);
                        newest = newest == null || h.storedAt().isAfter(newest) ? h.storedAt() : newest;
                    } catch (IOException | RuntimeException e) {
                        Files.deleteIfExists(f); // a damaged entry is a miss, never an answer
                    }
                }
            }
            List<Unsequenced> older = new ArrayList<>();
            Instant sweptAt = earlier(newest, clock.instant());
            for (Map.Entry<Path, Header> entry : headers.entrySet()) {
                Header h = entry.getValue();
                if (!sweptAt.isBefore(h.expiresAt())) {
                    // expired before the newest fill: the clock has passed it, and no call may be served it
                    Files.deleteIfExists(entry.getKey());
                    continue;
                }
                long bytes = Files.size(entry.getKey());
                present.put(h.key(), new Present(h.feature(), h.expiresAt()));
                if (h.fillSeq() != null) {
                    fills.add(h.feature(), h.key(), h.fillSeq(), bytes);
                    nextFill = Math.max(nextFill, h.fillSeq() + 1);
                } else {
                    older.add(new Unsequenced(h.feature(), h.key(), h.storedAt(), bytes));
                }
            }
            // files written before fill_seq: older than any numbered fill, in stored order among themselves
            older.sort(java.util.Comparator.comparing(Unsequenced::storedAt));
            long seq = -older.size();
            for (Unsequenced u : older) {
                fills.add(u.feature(), u.key(), seq++, u.bytes());
            }
            // lower limits than the files on disk hold (or a directory filled before there were any)
            List<String> overLimits = overTotal(null);
            for (String key : overLimits) {
                present.remove(key);
                Files.deleteIfExists(answerFile(key));
            }
            if (!overLimits.isEmpty()) {
                totalLimitLogged = true;
                totalLimit(overLimits.size());
            }
            try (Stream<Path> files = Files.list(prefixes)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    List<SemanticEntry> entries;
                    String prefixKey;
                    try {
                        JsonNode n = JSON.readTree(f.toFile());
                        prefixKey = n.path("prefix").asText(fileKey(f));
                        entries = readIndex(n);
                    } catch (IOException | RuntimeException e) {
                        Files.deleteIfExists(f); // a damaged index finds nothing similar
                        continue;
                    }
                    // answers gone (evicted or expired) leave the index, and an index left empty its file
                    List<SemanticEntry> kept = entries.stream()
                            .filter(e -> present.containsKey(e.key()))
                            .toList();
                    if (kept.isEmpty()) {
                        Files.deleteIfExists(f);
                        continue;
                    }
                    if (kept.size() < entries.size()) {
                        writeIndex(prefixKey, kept);
                    }
                    semantic.put(prefixKey, kept);
                    kept.forEach(e -> prefixOf.put(e.key(), prefixKey));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the response cache at " + dir, e);
        }
    }

    @Override
    public Optional<CachedAnswer> get(String key, Instant now) {
        Present p = present.get(key);
        if (p == null) {
            return Optional.empty(); // the miss: no file is opened
        }
        if (!now.isBefore(p.expiresAt())) {
            delete(key);
            return Optional.empty();
        }
        CachedAnswer kept = hot.get(key);
        if (kept != null) {
            return Optional.of(kept);
        }
        Path file = answerFile(key);
        JsonNode n;
        try {
            n = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            if (present.remove(key, p)) {
                unindex(key);
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CachedAnswer a = new CachedAnswer(
                n.path("key").asText(),
                n.path("feature").asText(),
                n.path("endpoint").asText(),
                n.path("provider").isNull() ? null : n.path("provider").asText(),
                n.path("model_served").isNull() ? null : n.path("model_served").asText(),
                base64(n.path("body").asText()),
                new TokenUsage(
                        n.path("input_tokens").asLong(),
                        n.path("cached_input_tokens").asLong(),
                        n.path("cache_write_5m_tokens").asLong(),
                        n.path("cache_write_1h_tokens").asLong(),
                        n.path("output_tokens").asLong(),
                        n.path("reasoning_tokens").asLong()),
                n.hasNonNull("cost_usd") ? new BigDecimal(n.get("cost_usd").asText()) : null,
                Instant.parse(n.path("stored_at").asText()),
                Instant.parse(n.path("expires_at").asText()));
        if (a.expiredAt(now)) {
            delete(key);
            return Optional.empty();
        }
        hot.put(a);
        return Optional.of(a);
    }

    @Override
    public void put(CachedAnswer a, int maxEntries) {
        ObjectNode n = JSON.createObjectNode();
        n.put("key", a.key());
        n.put("feature", a.feature());
        n.put("endpoint", a.endpoint());
        n.put("provider", a.provider());
        n.put("model_served", a.modelServed());
        n.put("body", java.util.Base64.getEncoder().encodeToString(a.body()));
        TokenUsage t = a.tokens();
        n.put("input_tokens", t.inputTokens());
        n.put("cached_input_tokens", t.cachedInputTokens());
        n.put("cache_write_5m_tokens", t.cacheWrite5mTokens());
        n.put("cache_write_1h_tokens", t.cacheWrite1hTokens());
        n.put("output_tokens", t.outputTokens());
        n.put("reasoning_tokens", t.reasoningTokens());
        n.put("cost_usd", a.costUsd() == null ? null : a.costUsd().toPlainString());
        n.put("stored_at", a.storedAt().toString());
        n.put("expires_at", a.expiresAt().toString());
        long seq;
        synchronized (fills) {
            seq = nextFill++;
        }
        n.put("fill_seq", seq);
        long bytes = write(answerFile(a.key()), n);
        present.put(a.key(), new Present(a.feature(), a.expiresAt()));
        hot.put(a);
        List<String> evicted = new ArrayList<>();
        boolean sweep;
        synchronized (fills) {
            fills.add(a.feature(), a.key(), seq, bytes);
            while (fills.count(a.feature()) > maxEntries) {
                String oldest = fills.oldest(a.feature());
                fills.remove(oldest);
                evicted.add(oldest);
            }
            List<String> overLimits = overTotal(a.key());
            evicted.addAll(overLimits);
            if (!overLimits.isEmpty() && !totalLimitLogged) {
                totalLimitLogged = true; // once a process: at the limit, every fill drops one
                totalLimit(overLimits.size());
            }
            long nowNanos = System.nanoTime();
            sweep = !swept || nowNanos - lastSweepNanos >= SWEEP_INTERVAL_NANOS;
            if (sweep) {
                swept = true;
                lastSweepNanos = nowNanos;
            }
        }
        for (String key : evicted) {
            present.remove(key);
            hot.remove(key);
            unindex(key);
            try {
                Files.deleteIfExists(answerFile(key));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (sweep) {
            sweepExpired(earlier(a.storedAt(), clock.instant()));
        }
    }

    /**
     * Takes the oldest fills of all out of {@link #fills} while more than {@code maxAnswers} answers or {@code
     * maxBytes} bytes are kept, never {@code keep} (the fill just made); returns their keys for the caller to delete.
     * Guarded by {@code fills}.
     */
    private List<String> overTotal(String keep) {
        List<String> out = new ArrayList<>();
        synchronized (fills) {
            while (fills.count() > maxAnswers || fills.bytes() > maxBytes) {
                String oldest = fills.oldest();
                if (oldest == null || oldest.equals(keep)) {
                    break;
                }
                fills.remove(oldest);
                out.add(oldest);
            }
        }
        return out;
    }

    private void totalLimit(int dropped) {
        LOG.warn("cache.total_limit")
                .field("dropped", dropped)
                .field("max_answers", maxAnswers)
                .field("max_bytes", maxBytes)
                .log("the response cache holds its most it keeps in all (" + maxAnswers + " answers or " + maxBytes
                        + " bytes, across features): the oldest answers are dropped, whatever a rule's max_entries"
                        + " allows (logged once a process)");
    }

    /** The earlier of the two; {@code b} when {@code a} is null (an empty directory). */
    private static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /** Deletes every answer expired at {@code now}, met or not. */
    private void sweepExpired(Instant now) {
        for (Map.Entry<String, Present> e : present.entrySet()) {
            if (!now.isBefore(e.getValue().expiresAt()) && present.remove(e.getKey(), e.getValue())) {
                forget(e.getKey());
            }
        }
    }

    @Override
    public List<SemanticEntry> similar(String prefixKey, Instant now) {
        List<SemanticEntry> all;
        synchronized (this) {
            all = semantic.getOrDefault(prefixKey, List.of());
        }
        List<SemanticEntry> unexpired = new ArrayList<>(all.size());
        for (SemanticEntry e : all) {
            if (now.isBefore(e.expiresAt())) {
                unexpired.add(e);
            } else {
                expired(e.key(), now); // met expired: its answer and its place in the index go
            }
        }
        return unexpired;
    }

    /** Deletes the answer under {@code key} if it has expired (a later fill of the same key may not have). */
    private void expired(String key, Instant now) {
        Present p = present.get(key);
        if (p == null) {
            unindex(key);
        } else if (!now.isBefore(p.expiresAt())) {
            delete(key);
        }
    }

    @Override
    public void index(String prefixKey, SemanticEntry entry, int maxPerPrefix, Instant now) {
        synchronized (this) {
            List<SemanticEntry> next = new ArrayList<>();
            next.add(entry);
            for (SemanticEntry e : semantic.getOrDefault(prefixKey, List.of())) {
                if (next.size() < maxPerPrefix
                        && now.isBefore(e.expiresAt())
                        && !e.key().equals(entry.key())) {
                    next.add(e);
                }
            }
            java.util.Set<String> kept = new java.util.HashSet<>();
            next.forEach(e -> kept.add(e.key()));
            for (SemanticEntry e : semantic.getOrDefault(prefixKey, List.of())) {
                if (!kept.contains(e.key())) {
                    prefixOf.remove(e.key(), prefixKey); // left out: expired, or past maxPerPrefix
                }
            }
            next.forEach(e -> prefixOf.put(e.key(), prefixKey));
            writeIndex(prefixKey, next);
            semantic.put(prefixKey, List.copyOf(next));
        }
    }

    /**
     * Takes an answer that left (evicted or expired) out of the semantic index: its prefix's file is rewritten
     * without it, or deleted when it was the last, so neither memory nor {@code prefixes/} keep answers that are gone.
     */
    private void unindex(String key) {
        synchronized (this) {
            String prefixKey = prefixOf.remove(key);
            if (prefixKey == null) {
                return;
            }
            List<SemanticEntry> rest = semantic.getOrDefault(prefixKey, List.of()).stream()
                    .filter(e -> !e.key().equals(key))
                    .toList();
            if (rest.isEmpty()) {
                semantic.remove(prefixKey);
                try {
                    Files.deleteIfExists(prefixFile(prefixKey));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                writeIndex(prefixKey, rest);
                semantic.put(prefixKey, rest);
            }
        }
    }

    private void writeIndex(String prefixKey, List<SemanticEntry> entries) {
        ArrayNode list = JSON.createArrayNode();
        for (SemanticEntry e : entries) {
            ObjectNode o = list.addObject();
            o.put("key", e.key());
            ArrayNode w = o.putArray("words");
            for (long v : e.sketch().words()) {
                w.add(v);
            }
            ArrayNode nums = o.putArray("numbers");
            for (long v : e.sketch().numbers()) {
                nums.add(v);
            }
            ArrayNode placed = o.putArray("order");
            for (long v : e.sketch().order()) {
                placed.add(v);
            }
            o.put("expires_at", e.expiresAt().toString());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("prefix", prefixKey);
        root.set("entries", list);
        write(prefixFile(prefixKey), root);
    }

    private Path prefixFile(String prefixKey) {
        return prefixes.resolve(safe(prefixKey) + ".json");
    }

    private static List<SemanticEntry> readIndex(JsonNode root) {
        List<SemanticEntry> out = new ArrayList<>();
        for (JsonNode o : root.path("entries")) {
            out.add(new SemanticEntry(
                    o.path("key").asText(),
                    new QuestionSimilarity.Sketch(
                            longs(o.path("words")), longs(o.path("numbers")), longs(o.path("order"))),
                    Instant.parse(o.path("expires_at").asText())));
        }
        return List.copyOf(out);
    }

    private static String fileKey(Path f) {
        String name = f.getFileName().toString();
        return name.substring(0, name.length() - ".json".length());
    }

    /** The fields the start needs, read without decoding the body (up to 350 KB of base64 per answer). */
    private static Header readHeader(Path f) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(f.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            String key = "";
            String feature = "";
            String storedAt = null;
            String expiresAt = null;
            Long fillSeq = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "key" -> key = p.getValueAsString("");
                    case "feature" -> feature = p.getValueAsString("");
                    case "stored_at" -> storedAt = p.getValueAsString();
                    case "expires_at" -> expiresAt = p.getValueAsString();
                    case "fill_seq" -> fillSeq = value.isNumeric() ? p.getLongValue() : null;
                    default -> p.skipChildren(); // a string value is skipped undecoded by the next token
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IOException("cut short");
            }
            return new Header(key, feature, Instant.parse(storedAt), Instant.parse(expiresAt), fillSeq);
        }
    }

    private void delete(String key) {
        present.remove(key);
        forget(key);
    }

    /** Takes {@code key}, no longer present, out of memory, the index and the disk. */
    private void forget(String key) {
        hot.remove(key);
        unindex(key);
        synchronized (fills) {
            fills.remove(key);
        }
        try {
            Files.deleteIfExists(answerFile(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path answerFile(String key) {
        String k = safe(key);
        return answers.resolve(k.substring(0, Math.min(2, k.length()))).resolve(k + ".json");
    }

    /** Keys are hex digests; anything else is mapped onto file-name characters. */
    private static String safe(String key) {
        return key.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Writes {@code content} to {@code file} atomically; returns its bytes. */
    private static long write(Path file, JsonNode content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".tmp-", ".json");
            byte[] bytes = JSON.writeValueAsBytes(content);
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return bytes.length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] base64(String s) {
        return java.util.Base64.getDecoder().decode(s);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** Small answers kept in memory, least recently used dropped first past the byte budget. */
    private static final class HotAnswers {
        private final long maxBytes;
        private final LinkedHashMap<String, CachedAnswer> entries = new LinkedHashMap<>(64, 0.75f, true);
        private long bytes;

        HotAnswers(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized CachedAnswer get(String key) {
            return entries.get(key);
        }

        synchronized void put(CachedAnswer a) {
            long size = a.body().length;
            if (size > HOT_ENTRY_BYTES || size > maxBytes) {
                remove(a.key());
                return;
            }
            CachedAnswer old = entries.put(a.key(), a);
            bytes += size - (old == null ? 0 : old.body().length);
            var it = entries.values().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                bytes -= it.next().body().length;
                it.remove();
            }
        }

        synchronized void remove(String key) {
            CachedAnswer old = entries.remove(key);
            if (old != null) {
                bytes -= old.body().length;
            }
        }
    }
}
