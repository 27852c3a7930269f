package dev.spendgate.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An append-only file written by group commit: each caller adds its bytes to a shared pending buffer, and whichever
 * caller takes the writer lock first writes everything pending in one {@code write(2)}; the others find their bytes
 * already written when they get the lock. So under load many appends share one system call, and an append returns
 * only once its bytes are in the operating system's page cache: the process may be killed at any moment after
 * that without losing them. With {@code syncEachCommit} the leader also calls {@code fsync} before returning, which
 * makes each commit survive a power loss too; otherwise {@link #sync()} does it, called on a timer.
 *
 * <p>A failed write (a full disk) is cut back off the file and its bytes stay pending, so they are written with the
 * next commit that succeeds; the caller whose commit failed gets an {@link UncheckedIOException}.
 *
 * <p>The timed {@link #sync()} calls {@code fsync} without holding the writer lock, so appends go on while the disk
 * flushes: on a busy disk an {@code fsync} takes tens to hundreds of milliseconds, and holding the lock through it
 * stalled every call of the local gateway at once, once a second (bench/RESULTS.md, 2026-12-04). For the same
 * reason {@link #close()} never closes the channel under a running {@code fsync}: the JDK's {@code FileChannel.close}
 * waits for every thread inside an operation on the channel, {@code force} included, and the usage log closes its
 * segment while every append waits for the rotation. The sync closes it instead, when its flush returns.
 */
final class GroupCommitFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final boolean syncEachCommit;
    private final ReentrantLock writer = new ReentrantLock();
    /**
     * A {@link ReentrantLock}, not a monitor: a virtual thread blocked on a monitor is woken by the JDK's unblocker
     * platform thread, onto the scheduler's external queue, which a busy carrier reads late (bench/RESULTS.md).
     */
    private final ReentrantLock pendingLock = new ReentrantLock();

    private Buffer pending = new Buffer(); // guarded by pendingLock
    /**
     * The other buffer, swapped with {@link #pending} by each commit's leader and written from in place: a copy of
     * each batch (and the buffers grown anew for every batch) was about a twentieth of a gateway call's allocation.
     * Guarded by writer; null while a leader writes from it.
     */
    private Buffer spare = new Buffer();

    private long appended; // guarded by pendingLock
    private volatile long written; // written under the writer lock
    private boolean dirty; // guarded by writer
    private long size; // guarded by writer: the file's length, so a failed write can be cut off
    private boolean syncing; // guarded by writer: a timed sync is inside force
    private boolean closed; // guarded by writer: close() ran; the channel is closed now or when the sync ends
    private final Force force;

    /** How the timed {@link #sync()} forces the file to the device ({@code FileChannel.force(false)}). */
    @FunctionalInterface
    interface Force {
        void force(FileChannel channel) throws IOException;
    }

    GroupCommitFile(Path path, boolean syncEachCommit) {
        this(path, syncEachCommit, channel -> channel.force(false));
    }

    /** With the given {@code force} for the timed sync (tests hold it to see that appends go on meanwhile). */
    GroupCommitFile(Path path, boolean syncEachCommit, Force force) {
        this.path = path;
        this.syncEachCommit = syncEachCommit;
        this.force = force;
        try {
            this.channel = FileChannel.open(
                    path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.size = channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException("could not open " + path, e);
        }
    }

    Path path() {
        return path;
    }

    /** Appends {@code bytes} and returns once they (and everything appended before them) are written. */
    void append(byte[] bytes) {
        long mine;
        pendingLock.lock();
        try {
            pending.write(bytes, 0, bytes.length);
            mine = ++appended;
        } finally {
            pendingLock.unlock();
        }
        if (written >= mine) {
            return;
        }
        writer.lock();
        try {
            if (written >= mine) {
                return; // an earlier leader wrote ours with its own
            }
            if (closed) {
                throw new UncheckedIOException("could not append to " + path, new ClosedChannelException());
            }
            Buffer batch;
            long upTo;
            pendingLock.lock();
            try {
                batch = pending;
                pending = spare != null ? spare : new Buffer(); // none when a write threw other than IOException
                upTo = appended;
            } finally {
                pendingLock.unlock();
            }
            spare = null;
            try {
                write(batch.array(), batch.size());
            } catch (IOException e) {
                pendingLock.lock();
                try {
                    // the failed batch goes back ahead of what was appended meanwhile
                    Buffer meanwhile = pending;
                    batch.write(meanwhile.array(), 0, meanwhile.size());
                    meanwhile.reset();
                    pending = batch;
                    spare = meanwhile;
                } finally {
                    pendingLock.unlock();
                }
                throw new UncheckedIOException("could not append to " + path, e);
            }
            spare = batch.array().length > Buffer.KEPT ? new Buffer() : batch; // a burst's large buffer is not kept
            spare.reset();
            written = upTo;
        } finally {
            writer.unlock();
        }
    }

    /**
     * Forces what was written before this call to the device (a no-op when nothing was written since the last sync).
     * Appends are not held up meanwhile; what they write during the flush is marked for the next sync. A file closed
     * meanwhile (a segment rotated out) is not synced here again (SegmentedLog forces a closed segment it keeps); one
     * closed during this flush is closed by it when the flush returns.
     */
    void sync() {
        writer.lock();
        try {
            if (!dirty || closed) {
                return;
            }
            dirty = false;
            syncing = true;
        } finally {
            writer.unlock();
        }
        IOException failed = null;
        try {
            force.force(channel);
        } catch (ClosedChannelException e) {
            // closed under the flush by an interrupt (the gateway stopping): nothing left to sync, as before
        } catch (IOException e) {
            failed = e;
        }
        writer.lock();
        try {
            syncing = false;
            if (closed) {
                closeChannel(); // close() came during the flush and left the channel to us
                return; // a closed segment needs no retry
            }
            if (failed != null) {
                dirty = true; // the next sync tries again
            }
        } finally {
            writer.unlock();
        }
        if (failed != null) {
            throw new UncheckedIOException("could not sync " + path, failed);
        }
    }

    /** Whether every appended byte has been written (nothing left pending after a failure). */
    boolean drained() {
        pendingLock.lock();
        try {
            return pending.size() == 0;
        } finally {
            pendingLock.unlock();
        }
    }

    /**
     * Writes what is pending and closes the file, without waiting for a timed sync in progress: the sync closes the
     * channel when its flush returns. Idempotent. When the pending bytes cannot be written (a full disk), the file
     * stays open with them still pending, as after a failed append, and the {@link UncheckedIOException} says so.
     */
    @Override
    public void close() {
        writer.lock();
        try {
            if (closed) {
                return;
            }
            byte[] rest;
            pendingLock.lock();
            try {
                rest = pending.toByteArray();
                pending.reset();
            } finally {
                pendingLock.unlock();
            }
            if (rest.length > 0) {
                try {
                    write(rest, rest.length);
                } catch (IOException e) {
                    pendingLock.lock();
                    try {
                        // back ahead of anything appended meanwhile: the next commit that succeeds writes them
                        Buffer restored = new Buffer();
                        restored.write(rest, 0, rest.length);
                        restored.write(pending.array(), 0, pending.size());
                        pending = restored;
                    } finally {
                        pendingLock.unlock();
                    }
                    throw new UncheckedIOException("could not close " + path, e);
                }
            }
            // No fsync here: a closed segment is delivered (and then deleted) right after it is closed, and a
            // rotation must not hold up appends behind a disk flush. The open segment is synced by sync(), a
            // closed one still kept by SegmentedLog's next sync.
            closed = true;
            if (!syncing) {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + path, e);
        } finally {
            writer.unlock();
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + path, e);
        }
    }

    private void write(byte[] batch, int length) throws IOException {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(batch, 0, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += length;
            dirty = true;
            if (syncEachCommit) {
                channel.force(false);
                dirty = false;
            }
        } catch (IOException e) {
            try {
                channel.truncate(size); // no torn line left behind
            } catch (IOException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    /** A byte buffer written from in place. */
    private static final class Buffer extends ByteArrayOutputStream {
        /** Past this size a buffer is dropped after its batch rather than kept as the spare. */
        static final int KEPT = 1 << 20;

        Buffer() {
            super(8192);
        }

        byte[] array() {
            return buf;
        }
    }
}
