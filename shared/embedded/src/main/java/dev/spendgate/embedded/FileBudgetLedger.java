package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.BudgetWriteNotDurableException;
import dev.spendgate.logging.JsonLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link BudgetLedger} for the local gateway: the counters live in memory, loaded from a JSON file at construction
 * and written back atomically (temp file, fsync, rename) by {@link #flush()} and {@link #close()}.
 *
 * <p>Each item is updated atomically (compare-and-set on a {@link ConcurrentSkipListMap}), so concurrent calls cannot overshoot a limit.
 * <b>Settled spend survives a crash</b>: each {@link #settleAll settlement} is appended to a journal beside the file
 * ({@code <file>.journal/}, group commit, in the operating system's hands before the call returns) with a sequence
 * number; a flush writes the counters with the last sequence number they include and starts a new journal segment,
 * and the constructor replays the entries newer than the file. Reservations are not journaled: they belong to calls
 * in flight, which die with the process; at start the gateway keeps reserved only what its reservation journal says
 * belongs to calls that never settled ({@link #resetReservations}), and charges those. To tell them apart, a
 * settlement names the journal entry it ends ({@code "rid"}), and a flushed segment is kept until the flush after
 * the next one, so that {@link #settledReservations()} knows every entry settled since the reservation journal's last
 * flush (which runs just before this ledger's). A clean {@link #close()} writes everything and discards every segment,
 * so a version from before the journal that runs on the same file next (it drops {@code journal_seq}) leaves nothing to
 * replay twice; a file without {@code journal_seq} beside segments that hold settlements is refused at start (it may
 * count them already). A
 * power loss can take the settlements since the last {@code fsync} (the journal is synced with every flush, each
 * second). Because the counters live in one
 * process, one instance owns the file: the constructor takes an exclusive lock on {@code <file>.lock} (released by
 * {@link #close()} or the process's exit) and throws {@link IllegalStateException} while another instance, in this
 * or another process, holds it. Other processes (the CLI) read the last flushed state with {@link #readOnly} or
 * {@link #readSnapshot}.
 *
 * <p>Format: {@code {"version": 1, "journal_seq": 42, "pruning_date": "2026-12-06", "items": {"<itemKey>": {"spent": "0.2", "reserved": "0", "committed": "0.2"}}}},
 * amounts as exact decimal strings; {@code pruning_date} is the UTC date past periods' items were last dropped by
 * ({@link PruningDate}), optional. Changes after {@link #close()} throw {@link IllegalStateException}; I/O failures are
 * {@link UncheckedIOException}s.
 */
public final class FileBudgetLedger implements BudgetLedger, AutoCloseable {
    private static final int FORMAT_VERSION = 1;
    private static final JsonLogger LOG = JsonLogger.create("embedded");
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Clock clock;
    private final OwnedSnapshotFile owned;
    /**
     * The counters. A skip-list map, not a hash map: its updates are compare-and-set, where a {@code
     * ConcurrentHashMap} locks the entry's bin with a monitor, and every call updates the same few items (the global
     * budget's). A virtual thread blocked on a monitor is woken through a platform thread, late on a busy carrier
     * (bench/RESULTS.md, 2026-12-04).
     */
    private final ConcurrentSkipListMap<String, BudgetState> items;

    private final SegmentedLog journal;
    private final AtomicLong journalSeq = new AtomicLong();
    private final ReentrantLock flushLock = new ReentrantLock(); // not a monitor: a flush parks in SnapshotGate
    private String closedSegment; // guarded by flushLock: rotated by the last snapshot
    private String keptSegment; // guarded by flushLock: rotated by the snapshot before, discarded after the next one
    private final java.util.Set<String> settledReservations = new java.util.HashSet<>();
    private LocalDate prunedOn; // guarded by flushLock: the UTC day past periods' items were last dropped
    private final PruningDate pruningDate; // guarded by flushLock

    /**
     * Opens the ledger in {@code file} (e.g. {@code .spendgate/budget-ledger.json}), loading it when it exists.
     *
     * @throws IllegalStateException when another instance owns the file, or the file is not a valid ledger
     */
    public FileBudgetLedger(Path file) {
        this(file, false);
    }

    /**
     * As {@link #FileBudgetLedger(Path)}; with {@code syncEachCommit} every settlement is forced to the device before
     * it returns (power-loss safe) instead of once a second.
     */
    public FileBudgetLedger(Path file, boolean syncEachCommit) {
        this(file, syncEachCommit, Clock.systemUTC());
    }

    /** As {@link #FileBudgetLedger(Path, boolean)}, on {@code clock} (tests step it). */
    FileBudgetLedger(Path file, boolean syncEachCommit, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.owned = new OwnedSnapshotFile(file, "budget ledger");
        try {
            Snapshot snapshot = readWithSeq(owned.file());
            this.items = new ConcurrentSkipListMap<>(snapshot.items());
            this.journalSeq.set(snapshot.journalSeq());
            // a new ledger has nothing a wrong date could drop: its first date is trusted; a file an older version
            // wrote has no pruning_date, and the date it was last written (once a second while calls ran) stands in
            // for it, so the first start after an upgrade prunes at once rather than an hour later, with a warning
            this.pruningDate = new PruningDate(
                    !snapshot.written()
                            ? LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
                            : snapshot.pruningDate() != null ? snapshot.pruningDate() : lastWritten(owned.file()));
            this.journal = new SegmentedLog(
                    owned.file().resolveSibling(owned.file().getFileName() + ".journal"), clock, syncEachCommit);
            if (snapshot.written() && !snapshot.hasJournalSeq()) {
                refuseUnknownJournalPosition();
            }
        } catch (RuntimeException e) {
            owned.release(e);
            throw e;
        }
        if (replayJournal() > 0) {
            flush(); // the file now includes the replayed settlements; their segments are discarded
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
            while (true) {
                BudgetState state = items.get(itemKey);
                BudgetState current = state == null ? BudgetState.EMPTY : state;
                if (current.committed().add(amount).compareTo(limit) > 0) {
                    seen[0] = current;
                    return false; // refused: unchanged, and still absent when it was
                }
                BudgetState next = new BudgetState(
                        current.spent(),
                        current.reserved().add(amount),
                        current.committed().add(amount));
                if (compareAndSet(itemKey, state, next)) {
                    seen[0] = next;
                    granted[0] = true;
                    return true;
                }
            }
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
        owned.change(() -> {
            while (true) {
                BudgetState state = items.get(itemKey);
                if (state == null) {
                    return false;
                }
                BudgetState next = new BudgetState(
                        state.spent(),
                        state.reserved().subtract(reserved),
                        state.committed().subtract(reserved));
                if (compareAndSet(itemKey, state, next)) {
                    return true;
                }
            }
        });
    }

    @Override
    public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
        return settleAll(List.of(new Settlement(itemKey, reserved, actual))).get(0);
    }

    /**
     * Settles every item of one call and appends one journal entry for them, so the call's spend survives a crash
     * once this returns. The counters change even when the journal cannot be written (a full disk): the entry stays
     * pending and is written with the next commit that succeeds, and a {@link BudgetWriteNotDurableException} says so
     * (the settlement is counted: do not settle it again).
     */
    @Override
    public List<BudgetState> settleAll(List<Settlement> settlements) {
        return settleAll(null, settlements);
    }

    /** As {@link #settleAll(List)}; the journal line names {@code reservationId} (see {@link #settledReservations}). */
    @Override
    public List<BudgetState> settleAll(String reservationId, List<Settlement> settlements) {
        for (Settlement s : settlements) {
            Objects.requireNonNull(s.itemKey(), "itemKey");
            requireNotNegative(s.reserved(), "reserved");
            requireNotNegative(s.actual(), "actual");
        }
        List<BudgetState> after = new ArrayList<>(settlements.size());
        RuntimeException[] journalError = {null};
        owned.change(() -> {
            for (Settlement s : settlements) {
                while (true) {
                    BudgetState state = items.get(s.itemKey());
                    BudgetState current = state == null ? BudgetState.EMPTY : state;
                    BudgetState next = new BudgetState(
                            current.spent().add(s.actual()),
                            current.reserved().subtract(s.reserved()),
                            current.committed().add(s.actual()).subtract(s.reserved()));
                    if (compareAndSet(s.itemKey(), state, next)) {
                        after.add(next);
                        break;
                    }
                }
            }
            try {
                journal.append(journalEntry(journalSeq.incrementAndGet(), reservationId, settlements));
            } catch (RuntimeException e) {
                journalError[0] = e;
            }
            return true;
        });
        if (journalError[0] != null) {
            throw new BudgetWriteNotDurableException(
                    "settled in memory; the ledger's journal write is pending", journalError[0]);
        }
        return after;
    }

    /**
     * Gives back every open reservation: the gateway that owns this ledger calls it at start, when no call of its own
     * is in flight, so each reservation left belongs to a call that died with the previous process. Returns what was
     * released, for the start-up log.
     */
    public Released releaseReservations() {
        return resetReservations(Map.of());
    }

    /**
     * Sets every item's reservation to what {@code held} names for it (zero for the others): at start, {@code held}
     * is the worst case of each call that died in flight (the gateway then charges it), and everything else reserved
     * belonged to calls that settled or never got going. The snapshot's reservations are a second old and the
     * settlements since then do not touch them, so they are replaced rather than adjusted. Returns what was given back
     * (on each item whose reservation went down: the old one less {@code held}; how many such items), for the start-up
     * log.
     */
    public Released resetReservations(Map<String, BigDecimal> held) {
        Objects.requireNonNull(held, "held");
        held.values().forEach(amount -> requireNotNegative(amount, "held"));
        int[] count = {0};
        BigDecimal[] total = {BigDecimal.ZERO};
        owned.change(() -> {
            items.replaceAll((key, state) -> {
                BigDecimal keep = held.getOrDefault(key, BigDecimal.ZERO);
                BigDecimal givenBack = state.reserved().subtract(keep);
                if (givenBack.signum() == 0) {
                    return state;
                }
                if (givenBack.signum() > 0) {
                    // only what is given back is reported: a call held above what the file reserved for it (admitted
                    // after the last flush) is not a negative release
                    count[0]++;
                    total[0] = total[0].add(givenBack);
                }
                return new BudgetState(state.spent(), keep, state.spent().add(keep));
            });
            held.forEach((key, keep) -> {
                if (keep.signum() > 0 && !items.containsKey(key)) {
                    items.put(key, new BudgetState(BigDecimal.ZERO, keep, keep));
                }
            });
            return true;
        });
        return new Released(count[0], total[0]);
    }

    /**
     * The journal entries ({@code reservationId}s of {@link #settleAll(String, List)}) whose settlement this ledger
     * found in its journal at construction: every one settled since the flush before the last one. An entry the
     * reservation journal still holds after a crash and that is in this set belongs to a call that settled; one that is
     * not died in flight.
     */
    public java.util.Set<String> settledReservations() {
        return java.util.Set.copyOf(settledReservations);
    }

    /**
     * Whether a settlement counted in memory is not yet in the journal: its write failed (a full disk) and waits for
     * the next commit that succeeds, or for {@link #flush()}, which writes it before the file.
     */
    public boolean settlementsPending() {
        return !journal.drained();
    }

    /** Sets {@code itemKey} to {@code next} if it still holds {@code expected} (null: absent). Takes no lock. */
    private boolean compareAndSet(String itemKey, BudgetState expected, BudgetState next) {
        return expected == null ? items.putIfAbsent(itemKey, next) == null : items.replace(itemKey, expected, next);
    }

    /** Reservations released at start: how many items held one, and the amount. */
    public record Released(int items, BigDecimal amount) {}

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

    /**
     * Writes the counters to the file atomically, unless nothing changed since the last flush, and drops the journal
     * segments the file now includes; forces the journal to the device. Thread-safe.
     */
    public void flush() {
        flushLock.lock();
        try {
            dropPastPeriods();
            journal.prepareRotation(); // the snapshot below rotates into it while calls wait
            owned.flush(this::snapshotAndRotate);
            discardClosedSegment();
            journal.sync();
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Flushes and releases the file; later changes throw {@link IllegalStateException}. Idempotent. Once the file holds
     * every settlement, the journal's segments are all discarded: no call is in flight any more, so none is needed to
     * tell settled calls apart at the next start, and a version that rewrites the file without {@code journal_seq}
     * finds none to count twice.
     */
    @Override
    public void close() {
        flushLock.lock();
        try {
            boolean saved = false;
            try {
                owned.close(this::snapshotAndRotate);
                discardClosedSegment();
                saved = true;
            } finally {
                journal.close();
            }
            if (saved) {
                journal.discardAll();
                keptSegment = null;
            }
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Drops past periods' items once a day, by the clock's date once {@link PruningDate} trusts it: a date that jumped
     * (a clock far ahead at start) is logged and waited for, so the current period's items are not dropped.
     */
    private void dropPastPeriods() {
        PruningDate.Check check = pruningDate.check(clock.instant());
        if (check.jumpedNow()) {
            LOG.warn("budgets.clock_date_jumped")
                    .field("date_trusted", String.valueOf(check.trusted()))
                    .field("clock_date", check.today().toString())
                    .log("the clock's date is " + check.today() + ", the budget ledger last went by "
                            + (check.trusted() == null
                                    ? "no date it kept"
                                    : check.trusted().toString())
                            + ": it keeps past periods' budget items until that date has held for "
                            + PruningDate.HOLD.toMinutes() + " minutes (a clock set wrong would drop the current"
                            + " period's spend)");
        }
        if (!check.trustedNow()) {
            return;
        }
        if (!check.today().equals(check.trusted())) {
            owned.change(() -> true); // the file keeps the date trusted
        }
        if (!check.today().equals(prunedOn)) {
            PastPeriodItems.drop(items, check.today(), owned::change);
            prunedOn = check.today();
        }
    }

    /** The counters and the journal position they include, taken while no settlement runs. */
    private byte[] snapshotAndRotate() {
        return owned.exclusively(() -> {
            byte[] content = serialize(journalSeq.get());
            closedSegment = journal.rotate();
            return content;
        });
    }

    /** Discards the segment rotated by the snapshot before this one; keeps this one's until the next flush. */
    private void discardClosedSegment() {
        if (closedSegment != null) {
            if (keptSegment != null) {
                journal.discard(keptSegment);
            }
            keptSegment = closedSegment;
            closedSegment = null;
        }
    }

    /**
     * Throws when the journal holds settlements beside a file that does not say which it includes: a version from
     * before the journal wrote it (it drops {@code journal_seq}) after this one stopped without a clean close. Replaying
     * them could count spend twice; leaving them out could forget spend: the user decides.
     */
    private void refuseUnknownJournalPosition() {
        int entries = 0;
        BigDecimal total = BigDecimal.ZERO;
        for (var segment : journal.pending()) {
            for (String line : segment.lines()) {
                try {
                    for (JsonNode item : MAPPER.readTree(line).path("items")) {
                        total = total.add(new BigDecimal(item.path("actual").asText("0")));
                    }
                    entries++;
                } catch (IOException | NumberFormatException e) {
                    // a line torn by a power loss
                }
            }
        }
        if (entries > 0) {
            throw new IllegalStateException("the budget ledger " + owned.file()
                    + " has no journal_seq (an older Spendgate wrote it), and its journal " + journal.dir() + " holds "
                    + entries + " settlements ($" + total.toPlainString() + " over their items) of an earlier run"
                    + " that stopped without a clean shutdown: the file may count them already. Compare"
                    + " `spendgate budgets status` with `spendgate usage` for that time; then move " + journal.dir()
                    + " aside to start from the file as it is, or add what it lacks to the file and move it aside");
        }
    }

    /** Applies the journal entries newer than the file; returns how many. */
    private int replayJournal() {
        long fileSeq = journalSeq.get();
        long maxSeq = fileSeq;
        int applied = 0;
        for (var segment : journal.pending()) {
            for (String line : segment.lines()) {
                JsonNode entry;
                try {
                    entry = MAPPER.readTree(line);
                } catch (IOException e) {
                    continue; // a line torn by a power loss
                }
                long seq = entry.path("seq").asLong(-1);
                if (entry.hasNonNull("rid")) {
                    settledReservations.add(entry.get("rid").asText());
                }
                if (seq <= fileSeq) {
                    continue; // already in the file (the process died between the snapshot and the discard)
                }
                maxSeq = Math.max(maxSeq, seq);
                for (JsonNode item : entry.path("items")) {
                    BigDecimal actual = new BigDecimal(item.path("actual").asText());
                    items.merge(
                            item.path("key").asText(),
                            new BudgetState(actual, BigDecimal.ZERO, actual),
                            (a, b) -> new BudgetState(
                                    a.spent().add(b.spent()),
                                    a.reserved(),
                                    a.committed().add(b.committed())));
                }
                applied++;
            }
        }
        journalSeq.set(maxSeq);
        if (applied > 0) {
            owned.change(() -> true); // counted, so the next flush writes the file
        }
        return applied;
    }

    private static byte[] journalEntry(long seq, String reservationId, List<Settlement> settlements) {
        StringBuilder line = new StringBuilder(112 + settlements.size() * 96);
        line.append("{\"seq\":").append(seq);
        if (reservationId != null) {
            line.append(",\"rid\":");
            appendJsonString(line, reservationId);
        }
        line.append(",\"items\":[");
        for (int i = 0; i < settlements.size(); i++) {
            Settlement s = settlements.get(i);
            if (i > 0) {
                line.append(',');
            }
            line.append("{\"key\":");
            appendJsonString(line, s.itemKey());
            line.append(",\"actual\":\"").append(s.actual().toPlainString()).append("\"}");
        }
        return utf8(line.append("]}\n"));
    }

    /**
     * {@code text.toString().getBytes(UTF_8)}: an ASCII text (the usual line) copied straight into its bytes, without
     * the string in between.
     */
    static byte[] utf8(CharSequence text) {
        int length = text.length();
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) c;
        }
        return bytes;
    }

    /** A JSON string literal; item keys are short and printable, so escaping is rarely needed. */
    private static void appendJsonString(StringBuilder to, String value) {
        to.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                to.append('\\').append(c);
            } else if (c < 0x20) {
                to.append(String.format("\\u%04x", (int) c));
            } else {
                to.append(c);
            }
        }
        to.append('"');
    }

    private static void requireNotNegative(BigDecimal value, String name) {
        Objects.requireNonNull(value, name);
        if (value.signum() < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value.toPlainString());
        }
    }

    private byte[] serialize(long seq) {
        SortedMap<String, BudgetState> snapshot = new TreeMap<>(items);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", FORMAT_VERSION);
        root.put("journal_seq", seq);
        if (pruningDate.trusted() != null) {
            root.put("pruning_date", pruningDate.trusted().toString());
        }
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
        return readWithSeq(file).items();
    }

    /**
     * @param written whether the file exists
     * @param hasJournalSeq whether it says which journal entries it includes (an older version's does not)
     * @param pruningDate the UTC date past periods were last dropped by (see {@link PruningDate}); null when the file
     *     does not say (an older version's)
     */
    private record Snapshot(
            TreeMap<String, BudgetState> items,
            long journalSeq,
            boolean written,
            boolean hasJournalSeq,
            LocalDate pruningDate) {}

    private static Snapshot readWithSeq(Path file) {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Snapshot(new TreeMap<>(), 0, false, false, null);
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
            LocalDate pruningDate = dateOrNull(root.path("pruning_date").asText(""));
            return new Snapshot(
                    items, root.path("journal_seq").asLong(0), true, root.hasNonNull("journal_seq"), pruningDate);
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

    /** A date, or null when absent or not one: only a hint, it never stops the ledger loading. */
    private static LocalDate dateOrNull(String text) {
        try {
            return text.isEmpty() ? null : LocalDate.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
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

    /** The UTC date {@code file} was last written; null when it cannot be read. */
    private static LocalDate lastWritten(Path file) {
        try {
            return LocalDate.ofInstant(Files.getLastModifiedTime(file).toInstant(), ZoneOffset.UTC);
        } catch (IOException e) {
            return null;
        }
    }
}
