package dev.spendgate.embedded;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.Call;
import dev.spendgate.domain.io.ExactBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReservationJournal} for the local gateway, kept like {@link FileBudgetLedger}: the open reservations live in
 * memory, loaded from a JSON file at construction and written back atomically (temp file, fsync, rename) by
 * {@link #flush()} and {@link #close()}.
 *
 * <p>A change costs a map operation ({@link ConcurrentSkipListMap}, whose updates take no lock: a hash map's would lock
 * a bin with a monitor, on which a waiting virtual thread is woken late), with no file I/O. {@link #remove} is atomic
 * within the process ({@code remove(id) != null}), so of any number of concurrent removers of one id exactly one
 * sees it present; {@link #expired} answers from memory. <b>A crash loses what was not flushed yet</b>, the same as the
 * ledger: the local gateway flushes both every second (journal first), so at most about the same last second of
 * opened and removed entries; a clean shutdown ({@link #close()}) loses nothing. <b>Except a call's admission</b>:
 * {@link #confirm} of an entry that names its call (the enforcer confirms an admitted call before it is forwarded)
 * appends the entry to a log beside the file ({@code <file>.journal/}, group commit, in the operating system's hands
 * before the call goes out), so that a call killed in flight is found at the next start however young it was. The
 * log is not told of removals: after a crash it can name calls that settled, which the gateway tells apart by the
 * ledger's {@link FileBudgetLedger#settledReservations()}. A flush folds the log into the file. Because the entries live in one
 * process, one instance owns the file: the constructor takes an exclusive lock on {@code <file>.lock} (released by
 * {@link #close()} or the process's exit) and throws {@link IllegalStateException} while another instance, in this or
 * another process, holds it.
 *
 * <p>Format: {@code {"version": 1, "reservations": {"<id>": {"itemKeys": [..], "amount": "0.00925", "expiresAt":
 * "<Instant>", "call": {..}}}}}, amounts as exact decimal strings (a hand-written JSON number is read exactly),
 * {@code expiresAt} with its full precision; {@code call} (absent when the entry names no call) holds
 * {@code requestId}, {@code start}, {@code keyId}, the attribution's fields, {@code provider}, {@code pricingProvider},
 * {@code endpoint}, {@code modelRequested}, {@code model} and {@code stream}, nulls left out. Thread-safe. Changes after {@link #close()} throw {@link IllegalStateException}; I/O failures are
 * {@link UncheckedIOException}s; an invalid file is an {@link IllegalStateException} naming it, thrown by the
 * constructor.
 */
public final class FileReservationJournal implements ReservationJournal, AutoCloseable {
    private static final int FORMAT_VERSION = 1;
    private static final Comparator<OpenReservation> OLDEST_FIRST =
            Comparator.comparing(OpenReservation::expiresAt).thenComparing(OpenReservation::id);
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    /**
     * One compact line per admitted entry. Its write buffers are shared by all threads: Jackson's default keeps them
     * per thread, and each local call runs on a new virtual thread, so the default allocated about 16 KB per line.
     */
    private static final ObjectMapper LINE_MAPPER = new ObjectMapper(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final OwnedSnapshotFile owned;
    private final ConcurrentSkipListMap<String, OpenReservation> reservations;
    /**
     * Entries {@link #take taken} by a settlement that has not reached the ledger yet: no longer open (not swept, not
     * taken again), still written to the file, so that a flush in between followed by a crash leaves the entry to be
     * charged at the next start rather than neither it nor the settlement.
     */
    private final Map<String, OpenReservation> settling = new java.util.concurrent.ConcurrentHashMap<>();

    private final SegmentedLog admitted;
    private final ReentrantLock flushLock = new ReentrantLock(); // not a monitor: a flush parks in SnapshotGate
    private String closedSegment; // guarded by flushLock: rotated by the last snapshot, discarded once it is written

    /**
     * Opens the journal in {@code file} (e.g. {@code .spendgate/budgets/reservations.json}), loading it when it exists;
     * the file is created by the first flush after a change.
     *
     * @throws IllegalStateException when another instance owns the file, or the file is not a valid journal
     */
    public FileReservationJournal(Path file) {
        this(file, false);
    }

    /**
     * As {@link #FileReservationJournal(Path)}; with {@code syncEachCommit} each admitted call's entry is forced to the
     * device before {@link #confirm} returns (power-loss safe) instead of once a second by {@link #flush()}.
     */
    public FileReservationJournal(Path file, boolean syncEachCommit) {
        this.owned = new OwnedSnapshotFile(file, "reservation journal");
        try {
            this.reservations = new ConcurrentSkipListMap<>(read(owned.file()));
            this.admitted = new SegmentedLog(
                    owned.file().resolveSibling(owned.file().getFileName() + ".journal"),
                    java.time.Clock.systemUTC(),
                    syncEachCommit);
            for (var segment : admitted.pending()) {
                for (String line : segment.lines()) {
                    OpenReservation open;
                    try {
                        open = entry(MAPPER.readTree(line));
                    } catch (IOException | RuntimeException e) {
                        continue; // a line torn by a power loss
                    }
                    reservations.put(open.id(), open);
                }
            }
        } catch (RuntimeException e) {
            owned.release(e);
            throw e;
        }
    }

    /** The JSON file the open reservations are flushed to. */
    public Path file() {
        return owned.file();
    }

    @Override
    public void open(OpenReservation reservation) {
        Objects.requireNonNull(reservation, "reservation");
        owned.change(() -> {
            reservations.put(reservation.id(), reservation);
            return true;
        });
    }

    @Override
    public boolean remove(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        boolean[] removed = {false};
        owned.change(() -> {
            removed[0] = reservations.remove(reservationId) != null;
            return removed[0];
        });
        return removed[0];
    }

    @Override
    public boolean take(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        boolean[] taken = {false};
        owned.change(() -> {
            OpenReservation open = reservations.remove(reservationId);
            if (open != null) {
                settling.put(reservationId, open);
                taken[0] = true;
            }
            return false; // still written to the file, as before
        });
        return taken[0];
    }

    @Override
    public void settled(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        owned.change(() -> settling.remove(reservationId) != null);
    }

    /**
     * Makes an admitted call's entry durable: appends it to the log beside the file when it names its call (an entry
     * that names none is released after a crash, so it needs no record of its own). Returns once the line is in the
     * operating system's hands; throws {@link UncheckedIOException} when it cannot be written (a full disk).
     */
    @Override
    public void confirm(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        owned.change(() -> {
            OpenReservation open = reservations.get(reservationId);
            if (open != null && open.call() != null) {
                admitted.append(line(open));
            }
            return false; // the entry itself changed when it was opened
        });
    }

    /**
     * Keeps the entries {@code keep} accepts and ends the others; returns the ones kept. The gateway that owns this
     * journal calls it at start, when no call of its own is in flight, to keep those of calls that died with the
     * previous process.
     */
    public List<OpenReservation> retain(java.util.function.Predicate<OpenReservation> keep) {
        Objects.requireNonNull(keep, "keep");
        List<OpenReservation> kept = new ArrayList<>();
        owned.change(() -> {
            int before = reservations.size();
            reservations.values().removeIf(open -> !keep.test(open));
            kept.addAll(reservations.values());
            return reservations.size() != before;
        });
        kept.sort(OLDEST_FIRST);
        return List.copyOf(kept);
    }

    @Override
    public List<OpenReservation> expired(Instant now, int max) {
        Objects.requireNonNull(now, "now");
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        List<OpenReservation> expired = new ArrayList<>();
        for (OpenReservation open : reservations.values()) {
            if (open.expiresAt().isBefore(now)) {
                expired.add(open);
            }
        }
        expired.sort(OLDEST_FIRST);
        return List.copyOf(expired.subList(0, Math.min(max, expired.size())));
    }

    /**
     * Ends every entry and returns how many there were (a journal whose entries all belong to a process that is gone
     * and whose calls are all known to have ended).
     */
    public int clear() {
        int[] cleared = {0};
        owned.change(() -> {
            cleared[0] = reservations.size() + settling.size();
            reservations.clear();
            settling.clear();
            return cleared[0] > 0;
        });
        return cleared[0];
    }

    /**
     * Writes the open reservations to the file atomically, unless nothing changed since the last flush, and drops the
     * log of admitted entries the file now includes. Thread-safe.
     */
    public void flush() {
        flushLock.lock();
        try {
            admitted.prepareRotation(); // the snapshot below rotates into it while calls wait
            owned.flush(this::snapshotAndRotate);
            discardClosedSegment();
            admitted.sync();
        } finally {
            flushLock.unlock();
        }
    }

    /** Flushes and releases the file; later changes throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        flushLock.lock();
        try {
            try {
                owned.close(this::snapshotAndRotate);
                discardClosedSegment();
            } finally {
                admitted.close();
            }
        } finally {
            flushLock.unlock();
        }
    }

    /** The entries, and a new log segment for admissions after them, taken while no change runs. */
    private byte[] snapshotAndRotate() {
        return owned.exclusively(() -> {
            byte[] content = serialize();
            closedSegment = admitted.rotate();
            return content;
        });
    }

    private void discardClosedSegment() {
        if (closedSegment != null) {
            admitted.discard(closedSegment);
            closedSegment = null;
        }
    }

    private byte[] serialize() {
        SortedMap<String, OpenReservation> snapshot = new TreeMap<>(reservations);
        snapshot.putAll(settling);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", FORMAT_VERSION);
        ObjectNode node = root.putObject("reservations");
        snapshot.forEach((id, open) -> writeEntry(node.putObject(id), open));
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the reservation journal", e);
        }
    }

    private static void writeEntry(ObjectNode entry, OpenReservation open) {
        ArrayNode itemKeys = entry.putArray("itemKeys");
        open.itemKeys().forEach(itemKeys::add);
        entry.put("amount", open.amount().toPlainString());
        entry.put("expiresAt", open.expiresAt().toString());
        if (open.call() != null) {
            writeCall(entry.putObject("call"), open.call());
        }
    }

    /**
     * One admitted entry as a log line: the file's entry with its {@code id}, written straight to a generator (the same
     * bytes as the entry's tree serialised, {@link #treeLine}, at about a third of the cost: this runs on every admitted
     * call's path).
     */
    static byte[] line(OpenReservation open) {
        ExactBytes out = new ExactBytes(); // the generator passes the whole line on when it closes
        char[][] chars = {new char[64]};
        try (JsonGenerator g = LINE_MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            writeText(g, chars, "id", open.id());
            g.writeArrayFieldStart("itemKeys");
            for (String itemKey : open.itemKeys()) {
                writeText(g, chars, null, itemKey);
            }
            g.writeEndArray();
            writeText(g, chars, "amount", open.amount().toPlainString());
            writeText(g, chars, "expiresAt", open.expiresAt().toString());
            Call call = open.call();
            if (call != null) {
                g.writeObjectFieldStart("call");
                writeText(g, chars, "requestId", call.requestId());
                writeText(g, chars, "start", call.start().toString());
                writeText(g, chars, "keyId", call.keyId());
                Attribution a = call.attribution();
                writeText(g, chars, "feature", a.feature());
                writeText(g, chars, "department", a.department());
                writeText(g, chars, "team", a.team());
                writeText(g, chars, "environment", a.environment());
                writeText(g, chars, "session", a.session());
                writeText(g, chars, "user", a.user());
                writeText(g, chars, "run", a.run());
                writeText(g, chars, "provider", call.provider());
                writeText(g, chars, "pricingProvider", call.pricingProvider());
                writeText(g, chars, "endpoint", call.endpoint());
                writeText(g, chars, "modelRequested", call.modelRequested());
                writeText(g, chars, "model", call.model());
                g.writeBooleanField("stream", call.stream());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise a reservation", e);
        }
        return out.toByteArray();
    }

    /** {@link #line}'s bytes as the entry's tree writes them: the reference the streamed line is tested against. */
    static byte[] treeLine(OpenReservation open) {
        ObjectNode entry = LINE_MAPPER.createObjectNode();
        entry.put("id", open.id());
        writeEntry(entry, open);
        try {
            byte[] json = LINE_MAPPER.writeValueAsBytes(entry);
            byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise a reservation", e);
        }
    }

    /**
     * {@code field} (none for an array item) and {@code value}, left out when null, with the same bytes as {@code
     * writeStringField}: the text goes to Jackson as a {@code char[]} ({@code writeString(String)} reads it a char at a
     * time, which costs more than the copy on Java 21+). {@code chars} is one buffer for the line, grown as needed.
     */
    private static void writeText(JsonGenerator g, char[][] chars, String field, String value) throws IOException {
        if (value == null) {
            return;
        }
        int length = value.length();
        if (chars[0].length < length) {
            chars[0] = new char[Math.max(length, chars[0].length * 2)];
        }
        value.getChars(0, length, chars[0], 0);
        if (field != null) {
            g.writeFieldName(field);
        }
        g.writeString(chars[0], 0, length);
    }

    private static OpenReservation entry(JsonNode node) {
        return entry(required(node, "id").asText(), node);
    }

    private static OpenReservation entry(String id, JsonNode node) {
        List<String> itemKeys = new ArrayList<>();
        for (JsonNode itemKey : node.path("itemKeys")) {
            itemKeys.add(itemKey.asText());
        }
        return new OpenReservation(
                id,
                itemKeys,
                new BigDecimal(required(node, "amount").asText()),
                Instant.parse(required(node, "expiresAt").asText()),
                true,
                node.hasNonNull("call") ? readCall(node.get("call")) : null);
    }

    private static Map<String, OpenReservation> read(Path file) {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the reservation journal " + file, e);
        }
        try {
            JsonNode root = MAPPER.readTree(json);
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IllegalStateException("format version " + formatVersion + ", expected " + FORMAT_VERSION);
            }
            Map<String, OpenReservation> reservations = new TreeMap<>();
            for (Map.Entry<String, JsonNode> entry : root.path("reservations").properties()) {
                reservations.put(entry.getKey(), entry(entry.getKey(), entry.getValue()));
            }
            return reservations;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the reservation journal " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    private static void writeCall(ObjectNode node, Call call) {
        putText(node, "requestId", call.requestId());
        node.put("start", call.start().toString());
        putText(node, "keyId", call.keyId());
        Attribution a = call.attribution();
        putText(node, "feature", a.feature());
        putText(node, "department", a.department());
        putText(node, "team", a.team());
        putText(node, "environment", a.environment());
        putText(node, "session", a.session());
        putText(node, "user", a.user());
        putText(node, "run", a.run());
        putText(node, "provider", call.provider());
        putText(node, "pricingProvider", call.pricingProvider());
        putText(node, "endpoint", call.endpoint());
        putText(node, "modelRequested", call.modelRequested());
        putText(node, "model", call.model());
        node.put("stream", call.stream());
    }

    private static Call readCall(JsonNode node) {
        return new Call(
                required(node, "requestId").asText(),
                Instant.parse(required(node, "start").asText()),
                text(node, "keyId"),
                new Attribution(
                        text(node, "feature"),
                        text(node, "department"),
                        text(node, "team"),
                        text(node, "environment"),
                        text(node, "session"),
                        text(node, "user"),
                        text(node, "run")),
                text(node, "provider"),
                text(node, "pricingProvider"),
                text(node, "endpoint"),
                text(node, "modelRequested"),
                text(node, "model"),
                node.path("stream").asBoolean(false));
    }

    private static void putText(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalStateException("a reservation has no " + field);
        }
        return value;
    }
}
