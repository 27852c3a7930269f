package dev.spendgate.embedded;

import dev.spendgate.domain.concurrent.SnapshotGate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The file behind a store that lives in memory and is written back as a whole: one owner at a time (an exclusive
 * lock on {@code <file>.lock}, released by {@link #close} or the process's exit), changes counted so that a flush
 * with nothing new writes nothing, atomic writes, and no change after the final flush. Used by
 * {@link FileBudgetLedger} and {@link FileReservationJournal}, which must agree on how much a crash can lose.
 */
final class OwnedSnapshotFile {
    private final Path file;
    private final String what;
    private final FileChannel ownerChannel;
    private final AtomicLong changes = new AtomicLong();
    /**
     * Changes pass the gate, snapshots and {@link #close} hold it: nothing changes after the final flush. A gate and
     * not a read-write lock, so that a call never parks waiting for the flush thread (see {@link SnapshotGate}).
     */
    private final SnapshotGate gate = new SnapshotGate();

    private final ReentrantLock flushLock = new ReentrantLock(); // not a monitor: see SnapshotGate
    private long flushedChanges; // guarded by flushLock
    private volatile boolean closed; // set while the gate is held

    /**
     * Takes ownership of {@code file}; {@code what} names the store in messages ("budget ledger").
     *
     * @throws IllegalStateException when another instance, in this or another process, owns the file
     */
    OwnedSnapshotFile(Path file, String what) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.what = what;
        this.ownerChannel = lockOwnership(this.file, what);
    }

    Path file() {
        return file;
    }

    /** Runs {@code change} unless closed, and counts it for the next flush when it reports a change. */
    void change(BooleanSupplier change) {
        gate.change(() -> {
            if (closed) {
                throw new IllegalStateException("the " + what + " " + file + " is closed");
            }
            if (change.getAsBoolean()) {
                changes.incrementAndGet();
            }
        });
    }

    /**
     * Runs {@code task} while no change runs (a snapshot that must match a journal position exactly). Changes wait
     * meanwhile, so the task must be short: open files before, write them after.
     */
    <T> T exclusively(Supplier<T> task) {
        return gate.exclusively(task);
    }

    /** Writes {@code content} atomically, unless nothing changed since the last flush. Thread-safe. */
    void flush(Supplier<byte[]> content) {
        flushLock.lock();
        try {
            long upTo = changes.get(); // changes counted so far are all in the content taken next
            if (upTo == flushedChanges) {
                return;
            }
            try {
                AtomicFiles.writeOwnerOnly(file, content.get());
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the " + what + " " + file, e);
            }
            flushedChanges = upTo;
        } finally {
            flushLock.unlock();
        }
    }

    /** Flushes a last time and releases the file; later changes throw. Idempotent. */
    void close(Supplier<byte[]> content) {
        boolean closing = gate.exclusively(() -> {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        });
        if (!closing) {
            return;
        }
        try {
            flush(content);
        } finally {
            release(null);
        }
    }

    /** Releases the file without flushing (a constructor that failed after taking it). */
    void release(RuntimeException failure) {
        try {
            ownerChannel.close();
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    private static FileChannel lockOwnership(Path file, String what) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel;
        try {
            Files.createDirectories(lockFile.getParent());
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the " + what + " lock " + lockFile, e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another instance in this JVM
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not lock the " + what + " " + lockFile, e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new IllegalStateException("the " + what + " " + file + " is in use by another gateway"
                    + " (in this or another process); stop it first, or give this one another data directory");
        }
        return channel;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was locked
        }
    }
}
