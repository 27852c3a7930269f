package dev.spendgate.function.proxy.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read (and write) timeouts kept by one watchdog thread instead of {@code SO_TIMEOUT}: a connection arms its deadline
 * before a blocking read and disarms it after; the watchdog closes the socket of a read that outlives its deadline, and
 * the reader then sees a {@link java.net.SocketTimeoutException}. A write ({@link Guard#write}) is guarded the same
 * way, which {@code SO_TIMEOUT} cannot do.
 *
 * <p>Why: on a virtual thread a socket read with {@code SO_TIMEOUT} parks with a timeout, which schedules and cancels
 * a timer task in the JDK's delay scheduler on every read; with two blocking reads per proxied call that thread woke
 * about 30,000 times a second and took an eighth of the gateway's core (perf sched, bench/RESULTS.md). An untimed
 * read parks without a timer. Deadlines are checked every {@value #TICK_MILLIS} ms, so a timeout fires up to that much
 * late.
 */
public final class ReadDeadlines {
    static final long TICK_MILLIS = 50;
    private static final Set<Guard> ARMED_OR_IDLE = ConcurrentHashMap.newKeySet();
    private static volatile Thread watchdog;

    private ReadDeadlines() {}

    /** Watches reads on {@code socket} with the given timeout (0 = none); close the guard with the connection. */
    public static Guard guard(Socket socket, long timeoutMillis) {
        Guard guard = new Guard(socket, timeoutMillis);
        if (timeoutMillis > 0) {
            ARMED_OR_IDLE.add(guard);
            startWatchdog();
        }
        return guard;
    }

    private static void startWatchdog() {
        if (watchdog != null) {
            return;
        }
        synchronized (ReadDeadlines.class) {
            if (watchdog != null) {
                return;
            }
            Thread t = new Thread(ReadDeadlines::watch, "spendgate-read-deadlines");
            t.setDaemon(true);
            t.start();
            watchdog = t;
        }
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Guard g : ARMED_OR_IDLE) {
                long deadline = g.deadline;
                if (deadline != 0 && now - deadline > 0) {
                    g.fired = true;
                    try {
                        g.socket.close(); // wakes the blocked reader with a SocketException
                    } catch (IOException e) {
                        // already closed
                    }
                    ARMED_OR_IDLE.remove(g);
                }
            }
        }
    }

    /** One connection's read deadline. */
    public static final class Guard implements AutoCloseable {
        /** The most a write sends under one deadline: a slice that cannot leave in time means the peer stopped. */
        static final int WRITE_SLICE = 64 * 1024;

        private final Socket socket;
        private final long timeoutNanos;
        private volatile long deadline;
        private volatile boolean fired;
        private boolean held; // the owning thread's only

        private Guard(Socket socket, long timeoutMillis) {
            this.socket = socket;
            this.timeoutNanos = timeoutMillis * 1_000_000L;
        }

        /** Before a blocking read. */
        void arm() {
            if (timeoutNanos > 0 && !held) {
                long d = System.nanoTime() + timeoutNanos;
                deadline = d == 0 ? 1 : d;
            }
        }

        /** After it returned. */
        void disarm() {
            if (!held) {
                deadline = 0;
            }
        }

        /**
         * One deadline, the timeout from now, for every read until {@link #release}: bounds a whole response head
         * however slowly it trickles in, not just each read of it.
         */
        public void hold() {
            arm();
            held = true;
        }

        /** Back to a deadline per read. */
        public void release() {
            held = false;
            deadline = 0;
        }

        /**
         * Writes {@code bytes} to {@code out}, each slice of {@value #WRITE_SLICE} bytes within the timeout: a peer
         * that stops reading (its buffers full) fails the write with a {@link SocketTimeoutException} instead of
         * holding the writer for ever.
         */
        public void write(OutputStream out, byte[] bytes) throws IOException {
            try {
                for (int offset = 0; offset < bytes.length; offset += WRITE_SLICE) {
                    arm();
                    out.write(bytes, offset, Math.min(WRITE_SLICE, bytes.length - offset));
                }
                out.flush();
            } catch (IOException e) {
                if (fired) {
                    SocketTimeoutException timeout = new SocketTimeoutException("Write timed out");
                    timeout.initCause(e);
                    throw timeout;
                }
                throw e;
            } finally {
                disarm();
            }
        }

        /** Whether the watchdog closed the socket because a read took too long. */
        boolean fired() {
            return fired;
        }

        @Override
        public void close() {
            deadline = 0;
            ARMED_OR_IDLE.remove(this);
        }
    }
}
