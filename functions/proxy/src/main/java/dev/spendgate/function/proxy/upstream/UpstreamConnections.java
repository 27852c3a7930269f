package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.ConnectionInput;
import dev.spendgate.function.proxy.http.Http1Codec.FixedLengthBody;
import dev.spendgate.function.proxy.http.Http1Codec.FramedBody;
import dev.spendgate.function.proxy.http.ReadDeadlines;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pieces of {@link UpstreamClient}'s connections: a pooled socket, the per-origin pool of idle ones, and the
 * response body streams (framed by {@link dev.spendgate.function.proxy.http.Http1Codec}, or through the JDK's client)
 * that hand a connection back to its pool only when its answer was read to the end.
 */
final class UpstreamConnections {
    private UpstreamConnections() {}

    static final class Connection {
        final Socket socket;
        final ConnectionInput in;
        final OutputStream out;
        boolean used;
        long idleSince;

        final ReadDeadlines.Guard deadline;
        /** The TCP connection's own input under TLS (for bytes not yet decrypted); null for a plain socket. */
        private final InputStream tcp;

        /** {@code tcp}: the TCP socket {@code socket} is layered over, or {@code socket} itself. */
        Connection(Socket socket, Socket tcp, int readTimeoutMillis) throws IOException {
            this.socket = socket;
            // the guard closes the TCP socket: under TLS that wakes a blocked write too, with no close_notify to send
            this.deadline = ReadDeadlines.guard(tcp, readTimeoutMillis);
            this.in = new ConnectionInput(socket.getInputStream(), 16 * 1024, deadline);
            this.out = socket.getOutputStream();
            this.tcp = tcp == socket ? null : tcp.getInputStream();
        }

        /**
         * Whether bytes have arrived on this idle connection: nothing was asked for, so they are no answer to the next
         * call (an upstream or a middlebox repeating an answer, a TLS close). One {@code available()} each, no read.
         */
        boolean bytesWaiting() {
            try {
                return in.waiting() > 0 || (tcp != null && tcp.available() > 0);
            } catch (IOException e) {
                return true; // the socket is gone
            }
        }

        void close() {
            deadline.close();
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    /** Idle connections of one origin, most recently used first; the oldest are closed once past the idle time. */
    static final class Pool {
        private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicLong lastSweep = new AtomicLong(System.nanoTime());

        Connection take() {
            long now = System.nanoTime();
            for (Connection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
                size.decrementAndGet();
                if (now - c.idleSince < UpstreamClient.IDLE_NANOS && !c.socket.isClosed() && !c.bytesWaiting()) {
                    return c;
                }
                c.close();
            }
            return null;
        }

        void release(Connection c) {
            long now = System.nanoTime();
            if (size.incrementAndGet() > UpstreamClient.MAX_IDLE_PER_ORIGIN) {
                size.decrementAndGet();
                c.close();
            } else {
                c.idleSince = now;
                idle.offerFirst(c);
            }
            long last = lastSweep.get();
            if (now - last > 1_000_000_000L && lastSweep.compareAndSet(last, now)) {
                for (Connection oldest = idle.peekLast();
                        oldest != null && now - oldest.idleSince >= UpstreamClient.IDLE_NANOS;
                        oldest = idle.peekLast()) {
                    if (idle.removeLastOccurrence(oldest)) {
                        size.decrementAndGet();
                        oldest.close();
                    }
                }
            }
        }
    }

    /**
     * The response body. Closing it after reading to the end returns the connection to the pool; closing it early
     * (the client left) drops the connection, so the provider stops generating.
     */
    static final class Body extends FilterInputStream {
        private final Pool pool;
        private final Connection connection;
        private final boolean keepAlive;
        private boolean closed;

        Body(FramedBody framed, Pool pool, Connection connection, boolean keepAlive) {
            super(framed);
            this.pool = pool;
            this.connection = connection;
            this.keepAlive = keepAlive;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return in.read(buffer, offset, length);
        }

        /** Whether the body was read to its framed end (the next read returns -1 at once). */
        boolean ended() {
            return ((FramedBody) in).ended();
        }

        @Override
        public byte[] readAllBytes() throws IOException {
            if (in instanceof FixedLengthBody f && f.remaining() <= 16 << 20) {
                // exactly the announced length: no 16 KB transfer buffer and no copies for a small answer
                byte[] all = new byte[(int) f.remaining()];
                int n = 0;
                while (n < all.length) {
                    n += f.read(all, n, all.length - n); // throws when the upstream closes early
                }
                return all;
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream(8192);
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer, 0, buffer.length); n >= 0; n = in.read(buffer, 0, buffer.length)) {
                all.write(buffer, 0, n);
            }
            return all.toByteArray();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            boolean ended = ((FramedBody) in).ended();
            if (keepAlive && ended && connection.in.available() == 0) {
                pool.release(connection);
            } else {
                connection.close();
            }
        }
    }

    static final class JdkBody extends FilterInputStream {
        private final HttpURLConnection connection;
        private boolean ended;

        JdkBody(InputStream in, HttpURLConnection connection) {
            super(in);
            this.connection = connection;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            ended |= n < 0;
            return n;
        }

        @Override
        public byte[] readAllBytes() throws IOException {
            byte[] all = super.readAllBytes();
            ended = true;
            return all;
        }

        @Override
        public void close() throws IOException {
            if (ended) {
                super.close();
            } else {
                connection.disconnect();
            }
        }
    }
}
