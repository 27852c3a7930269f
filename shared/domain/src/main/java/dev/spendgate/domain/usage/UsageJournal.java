package dev.spendgate.domain.usage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Where a usage record is made durable before its call is answered, until the {@link UsageLogWriter} has handed it to
 * the object store or the spool. Records are appended to the open segment; a flush {@link #rotate rotates} it and,
 * once every record of the closed segment is saved, {@link #discard discards} it. Segments left behind by a process
 * that died are {@link #pending pending} at the next start and are delivered then, under object keys derived from the
 * segment id, so a segment delivered twice overwrites itself.
 *
 * <p>{@link #NONE} keeps nothing: for a Lambda, whose records are written to S3 (or the spool) before each
 * invocation returns.
 */
public interface UsageJournal extends AutoCloseable {

    /** Keeps nothing; segment ids are still unique (time and a random part), so object keys do not collide. */
    UsageJournal NONE = new UsageJournal() {
        @Override
        public void append(byte[] line) {}

        @Override
        public String rotate() {
            return newSegmentId(Instant.now());
        }

        @Override
        public void discard(String upToSegmentId) {}

        @Override
        public List<Segment> pending() {
            return List.of();
        }

        @Override
        public void sync() {}

        @Override
        public void close() {}
    };

    /**
     * Appends one encoded record (a JSON line ending in a newline); returns once the line survives the process's
     * death.
     *
     * @throws java.io.UncheckedIOException when the line could not be written (a full disk)
     */
    void append(byte[] line);

    /** Closes the open segment and starts a new one; returns the closed segment's id. */
    String rotate();

    /**
     * Opens the segment the next {@link #rotate} starts, so that the rotation itself creates no file: a flush calls
     * this while appends go on, then rotates while they wait. A no-op when one is prepared already.
     */
    default void prepareRotation() {}

    /** Deletes the closed segments up to and including {@code upToSegmentId}: their records are saved. */
    void discard(String upToSegmentId);

    /** Closed segments not yet discarded (left by an earlier process), oldest first. */
    List<Segment> pending();

    /** Forces appended lines to the device (a power loss then loses none of them). */
    void sync();

    @Override
    void close();

    /** A sortable, unique segment id: the time in milliseconds and a random part. */
    static String newSegmentId(Instant now) {
        return String.format(
                "%013d-%s", now.toEpochMilli(), UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * A closed segment and its lines (without their newlines); a line torn by a power loss is left out. {@code
     * undecodable} counts the whole lines left out because they are not valid UTF-8 (damaged), to be reported as torn.
     */
    record Segment(String id, List<String> lines, int undecodable) {
        public Segment {
            Objects.requireNonNull(id, "id");
            lines = List.copyOf(lines);
            if (undecodable < 0) {
                throw new IllegalArgumentException("undecodable must not be negative, was " + undecodable);
            }
        }

        /** A segment whose lines all decoded. */
        public Segment(String id, List<String> lines) {
            this(id, lines, 0);
        }
    }
}
