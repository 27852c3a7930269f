package dev.spendgate.function.proxy.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that large request bodies may hold together, raw and parsed: one pool per process, shared by every call.
 * A hostile body (10 MB of {@code [{},{},...]} parses into about 300 MB of JSON tree) or many clients declaring large
 * bodies then get a 503 or 413 instead of running the process out of memory and taking every other call with it.
 *
 * <p>Bodies up to {@link #SMALL_BODY_BYTES} are not counted: ordinary calls never wait on the pool or get refused
 * by it. A call takes what it needs through a {@link Lease} and gives it all back when it ends ({@link
 * Lease#close}).
 */
public final class BodyMemory {
    /** Bodies up to this size are parsed and buffered without counting (their tree is at most a few MB). */
    public static final int SMALL_BODY_BYTES = 64 * 1024;

    /** A pool with no limit: for calls whose carrier counts nothing (tests of single stages). */
    public static final BodyMemory UNBOUNDED = new BodyMemory(Long.MAX_VALUE);

    private final long capacity;
    private final AtomicLong free;

    public BodyMemory(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.free = new AtomicLong(capacity);
    }

    /** Half of the largest heap this JVM may grow to, the default of {@code SPENDGATE_BODY_MEMORY_BYTES}. */
    public static BodyMemory halfOfHeap() {
        return new BodyMemory(defaultCapacity());
    }

    public static long defaultCapacity() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    public long capacity() {
        return capacity;
    }

    /** What leases hold now. */
    public long inUse() {
        return capacity - free.get();
    }

    /** A call's share of the pool, empty until it takes some. */
    public Lease lease() {
        return new Lease();
    }

    private boolean take(long bytes) {
        long now;
        do {
            now = free.get();
            if (now < bytes) {
                return false;
            }
        } while (!free.compareAndSet(now, now - bytes));
        return true;
    }

    /** What one call holds; used by one thread at a time (the reading, then the call's own thread). */
    public final class Lease implements AutoCloseable {
        private long held;
        private boolean closed;

        private Lease() {}

        /**
         * Takes {@code bytes} more for this call, or nothing when the pool has not that much free (or the lease is
         * closed).
         */
        public synchronized boolean take(long bytes) {
            if (closed || bytes > capacity - held || !BodyMemory.this.take(bytes)) {
                return false;
            }
            held += bytes;
            return true;
        }

        /** The whole pool's size. */
        public long capacity() {
            return capacity;
        }

        public synchronized long held() {
            return held;
        }

        /** Gives back all this lease holds; later takes fail. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                free.addAndGet(held);
                held = 0;
            }
        }
    }
}
