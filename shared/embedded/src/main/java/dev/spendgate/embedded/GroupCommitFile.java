package dev.spendgate.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 */
final class GroupCommitFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final boolean syncEachCommit;
    private final ReentrantLock writer = new ReentrantLock();
    private final Object pendingLock = new Object();
    private ByteArrayOutputStream pending = new ByteArrayOutputStream(8192); // guarded by pendingLock
    private long appended; // guarded by pendingLock
    private volatile long written; // written under the writer lock
    private boolean dirty; // guarded by writer
    private long size; // guarded by writer: the file's length, so a failed write can be cut off

    GroupCommitFile(Path path, boolean syncEachCommit) {
        this.path = path;
        this.syncEachCommit = syncEachCommit;
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
        synchronized (pendingLock) {
            pending.write(bytes, 0, bytes.length);
            mine = ++appended;
        }
        if (written >= mine) {
            return;
        }
        writer.lock();
        try {
            if (written >= mine) {
                return; // an earlier leader wrote ours with its own
            }
            byte[] batch;
            long upTo;
            synchronized (pendingLock) {
                batch = pending.toByteArray();
                pending.reset();
                upTo = appended;
            }
            try {
                write(batch);
            } catch (IOException e) {
                synchronized (pendingLock) {
                    ByteArrayOutputStream again = new ByteArrayOutputStream(batch.length + pending.size());
                    again.write(batch, 0, batch.length);
                    again.write(pending.toByteArray(), 0, pending.size());
                    pending = again;
                }
                throw new UncheckedIOException("could not append to " + path, e);
            }
            written = upTo;
        } finally {
            writer.unlock();
        }
    }

    /** Forces what was written to the device (a no-op when nothing was written since the last sync). */
    void sync() {
        writer.lock();
        try {
            if (dirty) {
                channel.force(false);
                dirty = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not sync " + path, e);
        } finally {
            writer.unlock();
        }
    }

    /** Whether every appended byte has been written (nothing left pending after a failure). */
    boolean drained() {
        synchronized (pendingLock) {
            return pending.size() == 0;
        }
    }

    @Override
    public void close() {
        writer.lock();
        try {
            byte[] rest;
            synchronized (pendingLock) {
                rest = pending.toByteArray();
                pending.reset();
            }
            if (rest.length > 0) {
                write(rest);
            }
            // No fsync here: a closed segment is delivered (and then deleted) right after it is closed, and a
            // rotation must not hold up appends behind a disk flush. The open segment is synced by sync().
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + path, e);
        } finally {
            writer.unlock();
        }
    }

    private void write(byte[] batch) throws IOException {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(batch);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += batch.length;
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
}
