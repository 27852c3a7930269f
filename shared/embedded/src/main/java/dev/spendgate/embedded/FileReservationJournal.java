package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.Call;
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
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ReservationJournal} for the local gateway, kept like {@link FileBudgetLedger}: the open reservations live in
 * memory, loaded from a JSON file at construction and written back atomically (temp file, fsync, rename) by
 * {@link #flush()} and {@link #close()}.
 *
 * <p>A change costs a map operation ({@link ConcurrentHashMap}), with no file I/O. {@link #remove} is atomic within the
 * process ({@code ConcurrentHashMap.remove(id) != null}), so of any number of concurrent removers of one id exactly one
 * sees it present; {@link #expired} answers from memory. <b>A crash loses what was not flushed yet</b>, the same as the
 * ledger: the local gateway flushes both every second (journal first), so at most about the same last second of
 * opened and removed entries; a clean shutdown ({@link #close()}) loses nothing. Because the entries live in one
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

    private final OwnedSnapshotFile owned;
    private final ConcurrentHashMap<String, OpenReservation> reservations;

    /**
     * Opens the journal in {@code file} (e.g. {@code .spendgate/budgets/reservations.json}), loading it when it exists;
     * the file is created by the first flush after a change.
     *
     * @throws IllegalStateException when another instance owns the file, or the file is not a valid journal
     */
    public FileReservationJournal(Path file) {
        this.owned = new OwnedSnapshotFile(file, "reservation journal");
        try {
            this.reservations = new ConcurrentHashMap<>(read(owned.file()));
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
     * Ends every entry and returns how many there were: the gateway that owns this journal calls it at start, together
     * with {@link FileBudgetLedger#releaseReservations()}, since no call of its own is in flight yet.
     */
    public int clear() {
        int[] cleared = {0};
        owned.change(() -> {
            cleared[0] = reservations.size();
            reservations.clear();
            return cleared[0] > 0;
        });
        return cleared[0];
    }

    /** Writes the open reservations to the file atomically, unless nothing changed since the last flush. Thread-safe. */
    public void flush() {
        owned.flush(this::serialize);
    }

    /** Flushes and releases the file; later changes throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        owned.close(this::serialize);
    }

    private byte[] serialize() {
        SortedMap<String, OpenReservation> snapshot = new TreeMap<>(reservations);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", FORMAT_VERSION);
        ObjectNode node = root.putObject("reservations");
        snapshot.forEach((id, open) -> {
            ObjectNode entry = node.putObject(id);
            ArrayNode itemKeys = entry.putArray("itemKeys");
            open.itemKeys().forEach(itemKeys::add);
            entry.put("amount", open.amount().toPlainString());
            entry.put("expiresAt", open.expiresAt().toString());
            if (open.call() != null) {
                writeCall(entry.putObject("call"), open.call());
            }
        });
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the reservation journal", e);
        }
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
                JsonNode node = entry.getValue();
                List<String> itemKeys = new ArrayList<>();
                for (JsonNode itemKey : node.path("itemKeys")) {
                    itemKeys.add(itemKey.asText());
                }
                reservations.put(
                        entry.getKey(),
                        new OpenReservation(
                                entry.getKey(),
                                itemKeys,
                                new BigDecimal(required(node, "amount").asText()),
                                Instant.parse(required(node, "expiresAt").asText()),
                                true,
                                node.hasNonNull("call") ? readCall(node.get("call")) : null));
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
