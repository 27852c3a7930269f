package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link BudgetLedger} for the local gateway: the counters live in memory, loaded from a JSON file at construction
 * and written back atomically (temp file, fsync, rename) by {@link #flush()} and {@link #close()}.
 *
 * <p>Each item is updated atomically ({@link ConcurrentHashMap#compute}), so concurrent calls cannot overshoot a limit.
 * <b>A crash loses what was not flushed yet</b>: the local gateway flushes every second, so at most about a second
 * of reservations and spend; a clean shutdown ({@link #close()}) loses nothing. Because the counters live in one
 * process, one instance owns the file: the constructor takes an exclusive lock on {@code <file>.lock} (released by
 * {@link #close()} or the process's exit) and throws {@link IllegalStateException} while another instance, in this
 * or another process, holds it. Other processes (the CLI) read the last flushed state with {@link #readOnly} or
 * {@link #readSnapshot}.
 *
 * <p>Format: {@code {"version": 1, "items": {"<itemKey>": {"spent": "0.2", "reserved": "0", "committed": "0.2"}}}},
 * amounts as exact decimal strings. Changes after {@link #close()} throw {@link IllegalStateException}; I/O failures are
 * {@link UncheckedIOException}s.
 */
public final class FileBudgetLedger implements BudgetLedger, AutoCloseable {
    private static final int FORMAT_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final OwnedSnapshotFile owned;
    private final ConcurrentHashMap<String, BudgetState> items;

    /**
     * Opens the ledger in {@code file} (e.g. {@code .spendgate/budget-ledger.json}), loading it when it exists.
     *
     * @throws IllegalStateException when another instance owns the file, or the file is not a valid ledger
     */
    public FileBudgetLedger(Path file) {
        this.owned = new OwnedSnapshotFile(file, "budget ledger");
        try {
            this.items = new ConcurrentHashMap<>(read(owned.file()));
        } catch (RuntimeException e) {
            owned.release(e);
            throw e;
        }
    }

    /**
     * The items as last flushed to {@code file}, ordered by key; empty when there is no file. Takes no lock, so the
     * CLI can read it while the local gateway runs.
     *
     * @throws IllegalStateException when the file is not a valid ledger
     */
    public static SortedMap<String, BudgetState> readSnapshot(Path file) {
        Path absolute = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        return Collections.unmodifiableSortedMap(read(absolute));
    }

    /**
     * A read-only ledger over the items as last flushed to {@code file} (see {@link #readSnapshot}), for the CLI's
     * {@code budgets status} while the local gateway runs: {@link #state} answers from the snapshot, changes throw
     * {@link UnsupportedOperationException}.
     *
     * @throws IllegalStateException when the file is not a valid ledger
     */
    public static BudgetLedger readOnly(Path file) {
        return new ReadOnly(
                Objects.requireNonNull(file, "file").toAbsolutePath().normalize(), readSnapshot(file));
    }

    /** The JSON file the ledger is flushed to. */
    public Path file() {
        return owned.file();
    }

    /** Every item's current counters (flushed or not), ordered by key. */
    public SortedMap<String, BudgetState> snapshot() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(items));
    }

    @Override
    public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(limit, "limit");
        requireNotNegative(amount, "amount");
        BudgetState[] seen = {BudgetState.EMPTY};
        boolean[] granted = {false};
        owned.change(() -> {
            items.compute(itemKey, (key, state) -> {
                BudgetState current = state == null ? BudgetState.EMPTY : state;
                if (current.committed().add(amount).compareTo(limit) > 0) {
                    seen[0] = current;
                    return state; // refused: unchanged, and still absent when it was
                }
                granted[0] = true;
                seen[0] = new BudgetState(
                        current.spent(),
                        current.reserved().add(amount),
                        current.committed().add(amount));
                return seen[0];
            });
            return granted[0];
        });
        return new ReserveResult(granted[0], seen[0]);
    }

    @Override
    public void release(String itemKey, BigDecimal reserved) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(reserved, "reserved");
        if (reserved.signum() == 0) {
            return;
        }
        owned.change(() -> items.computeIfPresent(
                        itemKey,
                        (key, state) -> new BudgetState(
                                state.spent(),
                                state.reserved().subtract(reserved),
                                state.committed().subtract(reserved)))
                != null);
    }

    @Override
    public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(reserved, "reserved");
        requireNotNegative(actual, "actual");
        BudgetState[] after = {BudgetState.EMPTY};
        owned.change(() -> {
            after[0] = items.compute(itemKey, (key, state) -> {
                BudgetState current = state == null ? BudgetState.EMPTY : state;
                return new BudgetState(
                        current.spent().add(actual),
                        current.reserved().subtract(reserved),
                        current.committed().add(actual).subtract(reserved));
            });
            return true;
        });
        return after[0];
    }

    @Override
    public Optional<BudgetState> state(String itemKey) {
        Objects.requireNonNull(itemKey, "itemKey");
        return Optional.ofNullable(items.get(itemKey));
    }

    /** In memory: the enforcer reserves on the caller's thread, with no hand-off. */
    @Override
    public boolean inProcess() {
        return true;
    }

    /** Writes the counters to the file atomically, unless nothing changed since the last flush. Thread-safe. */
    public void flush() {
        owned.flush(this::serialize);
    }

    /** Flushes and releases the file; later changes throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        owned.close(this::serialize);
    }

    private static void requireNotNegative(BigDecimal value, String name) {
        Objects.requireNonNull(value, name);
        if (value.signum() < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value.toPlainString());
        }
    }

    private byte[] serialize() {
        SortedMap<String, BudgetState> snapshot = new TreeMap<>(items);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", FORMAT_VERSION);
        ObjectNode itemsNode = root.putObject("items");
        snapshot.forEach((key, state) -> {
            ObjectNode node = itemsNode.putObject(key);
            node.put("spent", state.spent().toPlainString());
            node.put("reserved", state.reserved().toPlainString());
            node.put("committed", state.committed().toPlainString());
        });
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the budget ledger", e);
        }
    }

    private static TreeMap<String, BudgetState> read(Path file) {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the budget ledger " + file, e);
        }
        try {
            JsonNode root = MAPPER.readTree(json);
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IllegalStateException("format version " + formatVersion + ", expected " + FORMAT_VERSION);
            }
            TreeMap<String, BudgetState> items = new TreeMap<>();
            for (Map.Entry<String, JsonNode> item : root.path("items").properties()) {
                JsonNode node = item.getValue();
                items.put(
                        item.getKey(),
                        new BudgetState(decimal(node, "spent"), decimal(node, "reserved"), decimal(node, "committed")));
            }
            return items;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the budget ledger " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    /** The counters of a flushed file, frozen. */
    private record ReadOnly(Path file, SortedMap<String, BudgetState> items) implements BudgetLedger {
        @Override
        public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
            throw refusal();
        }

        @Override
        public void release(String itemKey, BigDecimal reserved) {
            throw refusal();
        }

        @Override
        public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
            throw refusal();
        }

        @Override
        public Optional<BudgetState> state(String itemKey) {
            Objects.requireNonNull(itemKey, "itemKey");
            return Optional.ofNullable(items.get(itemKey));
        }

        private UnsupportedOperationException refusal() {
            return new UnsupportedOperationException(
                    "a read-only snapshot of the budget ledger " + file + "; only the gateway that owns it changes it");
        }
    }

    private static BigDecimal decimal(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return BigDecimal.ZERO;
        }
        return value.isNumber()
                ? value.decimalValue()
                : new BigDecimal(value.asText().trim());
    }
}
