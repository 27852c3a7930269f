package dev.spendgate.embedded;

import dev.spendgate.domain.usage.UsageJournal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * A {@link UsageJournal} in a directory of the local gateway ({@code <data-dir>/journal/usage/}): segments of
 * NDJSON lines appended by group commit (see {@link SegmentedLog}). An append returns once its line is in the
 * operating system's page cache, so a SIGKILL loses no record; {@link #sync()} (every second) or, with {@code
 * syncEachCommit}, every commit forces it to the device, which bounds what a power loss can take.
 */
public final class FileUsageJournal implements UsageJournal {
    private final SegmentedLog log;

    /**
     * @param syncEachCommit whether each commit is forced to the device before the append returns (power-loss safe,
     *     slower) instead of once a second by {@link #sync()}
     */
    public FileUsageJournal(Path dir, Clock clock, boolean syncEachCommit) {
        this.log = new SegmentedLog(dir, clock, syncEachCommit);
    }

    /** The directory holding the segments. */
    public Path dir() {
        return log.dir();
    }

    @Override
    public void append(byte[] line) {
        log.append(line);
    }

    @Override
    public String rotate() {
        return log.rotate();
    }

    @Override
    public void prepareRotation() {
        log.prepareRotation();
    }

    @Override
    public void discard(String upToSegmentId) {
        log.discard(upToSegmentId);
    }

    @Override
    public List<Segment> pending() {
        return log.pending();
    }

    @Override
    public void sync() {
        log.sync();
    }

    @Override
    public void close() {
        log.close();
    }
}
