package dev.spendgate.embedded;

import dev.spendgate.domain.usage.UsageJournal.Segment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Append-only files in one directory, one per segment ({@code <id>.ndjson}, ids sorting in the order opened), each
 * appended by group commit ({@link GroupCommitFile}): an append returns once its line is in the operating system's
 * page cache, so a SIGKILL loses nothing; {@link #sync()} or, with {@code syncEachCommit}, every commit forces it to
 * the device, which bounds what a power loss can take. The open segment is always a new file; segments found at
 * construction are an earlier process's. Lines are read back whole: a line cut short by a power loss (no newline) is
 * left out. Used by {@link FileUsageJournal} and {@link FileBudgetLedger}.
 *
 * <p>A rotation closes a segment without forcing it (appends wait for a rotation); the next {@link #sync()} forces
 * each closed segment still kept, one whose records could not be saved or an earlier process's. So the bound holds
 * for them too, and one deleted before that sync (saved, the usual case) costs no device write.
 */
final class SegmentedLog implements AutoCloseable {
    private static final String SUFFIX = ".ndjson";

    private final Path dir;
    private final Clock clock;
    private final boolean syncEachCommit;
    private volatile GroupCommitFile open;
    /** Guards rotation; a lock, not a monitor: a flush holding it may park on a virtual thread (see SnapshotGate). */
    private final ReentrantLock lock = new ReentrantLock();

    private GroupCommitFile next; // guarded by lock: opened by prepareRotation, started by the next rotate
    private long opened; // guarded by lock (and the constructor)
    /** The milliseconds of the newest segment id opened or found on disk: ids never go back with the clock. */
    private long lastMillis; // guarded by lock (and the constructor)
    /** Closed segments not yet forced to the device; the next sync forces those still there. */
    private final List<Path> closedUnsynced = new ArrayList<>(); // guarded by lock

    private final GroupCommitFile.Force forceClosed;

    /**
     * @param syncEachCommit whether each commit is forced to the device before the append returns (power-loss safe,
     *     slower) instead of once a second by {@link #sync()}
     */
    SegmentedLog(Path dir, Clock clock, boolean syncEachCommit) {
        this(dir, clock, syncEachCommit, channel -> channel.force(false));
    }

    /** With the given {@code forceClosed} for forcing closed segments (tests count it). */
    SegmentedLog(Path dir, Clock clock, boolean syncEachCommit, GroupCommitFile.Force forceClosed) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.syncEachCommit = syncEachCommit;
        this.forceClosed = Objects.requireNonNull(forceClosed, "forceClosed");
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the journal directory " + this.dir, e);
        }
        for (String id : segmentIds()) {
            closedUnsynced.add(this.dir.resolve(id + SUFFIX)); // an earlier process's: maybe only in the page cache
            lastMillis = Math.max(lastMillis, millisOf(id));
        }
        this.open = openSegment();
    }

    /** The directory holding the segments. */
    Path dir() {
        return dir;
    }

    void append(byte[] line) {
        open.append(line);
    }

    /**
     * Closes the open segment and makes the prepared one (or, when none is, a new one) the open one; returns the
     * closed segment's id. When the open segment cannot be closed (its pending bytes cannot be written: a full disk),
     * it stays open with those bytes, the new segment stays prepared, and this throws {@link UncheckedIOException}: the
     * bytes of a failed commit are written by the next commit that succeeds, in the segment they were appended to.
     * Callers rotate while appends wait.
     */
    String rotate() {
        lock.lock();
        try {
            GroupCommitFile closing = open;
            if (next == null) {
                next = openSegment();
            }
            closing.close();
            open = next;
            next = null;
            if (!syncEachCommit) {
                closedUnsynced.add(closing.path());
            }
            return idOf(closing.path());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens the segment the next {@link #rotate} starts, unless one is open already: callers rotate while appends
     * wait, and creating a file can take milliseconds on a busy disk.
     */
    void prepareRotation() {
        lock.lock();
        try {
            if (next == null) {
                next = openSegment();
            }
        } finally {
            lock.unlock();
        }
    }

    void discard(String upToSegmentId) {
        lock.lock();
        try {
            String current = idOf(open.path());
            for (String id : segmentIds()) {
                if (id.compareTo(upToSegmentId) <= 0 && !id.equals(current) && !isNext(id)) {
                    try {
                        Files.deleteIfExists(dir.resolve(id + SUFFIX));
                    } catch (IOException e) {
                        throw new UncheckedIOException("could not delete journal segment " + id, e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes every segment, after {@link #close()}: the caller has saved all they hold. A segment that cannot be
     * deleted is left for the next start, which reads it as an earlier process's.
     */
    void discardAll() {
        lock.lock();
        try {
            for (String id : segmentIds()) {
                try {
                    Files.deleteIfExists(dir.resolve(id + SUFFIX));
                } catch (IOException e) {
                    throw new UncheckedIOException("could not delete journal segment " + id, e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether every line appended has been written (none left pending by a failed commit: a full disk). */
    boolean drained() {
        return open.drained();
    }

    List<Segment> pending() {
        lock.lock();
        try {
            String current = idOf(open.path());
            List<Segment> segments = new ArrayList<>();
            for (String id : segmentIds()) {
                if (id.equals(current) || isNext(id)) {
                    continue;
                }
                segments.add(wholeLines(id, dir.resolve(id + SUFFIX)));
            }
            return segments;
        } finally {
            lock.unlock();
        }
    }

    /** Forces the open segment, then each closed segment not yet forced that is still kept, to the device. */
    void sync() {
        open.sync();
        List<Path> closed;
        lock.lock();
        try {
            closed = List.copyOf(closedUnsynced);
            closedUnsynced.clear();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < closed.size(); i++) {
            try (FileChannel channel = FileChannel.open(closed.get(i), StandardOpenOption.WRITE)) {
                forceClosed.force(channel);
            } catch (NoSuchFileException e) {
                // discarded meanwhile: its records are saved
            } catch (IOException e) {
                lock.lock();
                try {
                    closedUnsynced.addAll(closed.subList(i, closed.size())); // the next sync tries again
                } finally {
                    lock.unlock();
                }
                throw new UncheckedIOException("could not sync journal segment " + closed.get(i), e);
            }
        }
    }

    /** Closes the open segment, and deletes the prepared one (empty: nothing was appended to it). */
    @Override
    public void close() {
        lock.lock();
        try {
            try {
                open.close();
            } finally {
                if (next != null) {
                    GroupCommitFile unused = next;
                    next = null;
                    unused.close();
                    try {
                        Files.deleteIfExists(unused.path());
                    } catch (IOException e) {
                        // an empty segment: the next start finds it and has nothing to deliver from it
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isNext(String id) {
        return next != null && id.equals(idOf(next.path()));
    }

    /**
     * Ids sort in the order segments were opened: milliseconds, then a counter within the process. The milliseconds are
     * the clock's, but always above the newest id opened or found on disk: a clock stepped back (NTP) must not give a
     * new segment an id below a kept one, or {@link #discard} of the kept one would delete the new one with it.
     */
    private GroupCommitFile openSegment() {
        lastMillis = Math.max(clock.millis(), lastMillis + 1);
        String id = String.format("%013d-%06d", lastMillis, ++opened);
        return new GroupCommitFile(dir.resolve(id + SUFFIX), syncEachCommit);
    }

    /** The milliseconds an id starts with; 0 for a name of another shape. */
    private static long millisOf(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private List<String> segmentIds() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> name.endsWith(SUFFIX))
                    .map(name -> name.substring(0, name.length() - SUFFIX.length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the journal " + dir, e);
        }
    }

    private static String idOf(Path segment) {
        String name = segment.getFileName().toString();
        return name.substring(0, name.length() - SUFFIX.length());
    }

    /**
     * The segment's whole lines. Read as bytes and decoded a line at a time: a power loss can cut the last line inside
     * a multi-byte character, and decoding the file at once would reject it all. The unterminated tail is left out;
     * a whole line that is not valid UTF-8 (damaged) is left out and counted.
     */
    private static Segment wholeLines(String id, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read journal segment " + file, e);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input, replaces nothing
        List<String> lines = new ArrayList<>();
        int undecodable = 0;
        int start = 0;
        for (int nl = indexOf(bytes, (byte) '\n', start); nl >= 0; nl = indexOf(bytes, (byte) '\n', start)) {
            if (nl > start) {
                try {
                    lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, nl - start))
                            .toString());
                } catch (CharacterCodingException e) {
                    undecodable++;
                }
            }
            start = nl + 1;
        }
        return new Segment(id, lines, undecodable);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
