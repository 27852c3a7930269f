package dev.spendgate.function.proxy.local;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.frames.ContinuationFrame;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * Keeps slow and idle clients from taking the capacity others need, on top of Jetty's idle timeout:
 *
 * <ul>
 *   <li>a request head that has not arrived whole {@code headTimeoutMillis} after its first byte closes its connection
 *       (a client trickling one header line every few seconds never times out on idleness alone);
 *   <li>at {@code maxConnections}, or at {@code maxConnectionsPerClient} for one client address, a new connection
 *       displaces the longest-idle connection that has no call in flight (of that client, for the per-client limit),
 *       so a flood of idle or half-sent connections cannot lock out a client with a real call; when every candidate
 *       has a call in flight, the new connection is closed instead;
 *   <li>one client address holds at most {@code maxConnectionsPerClient} calls in flight on HTTP/2 connections, as
 *       many as it could on HTTP/1.1, one call to a connection: past it a call is refused at once (a stream costs a
 *       few KB of heap before its body arrives, and HTTP/2 lets one connection open 128 of them);
 *   <li>all HTTP/2 connections together hold at most {@code maxConnections} calls in flight, as many as HTTP/1.1
 *       connections could: past it a call is refused at once, whatever its address, so addresses each within their
 *       own limit cannot together hold more calls than the server has threads for ({@link #maxThreads}).
 * </ul>
 *
 * <p>Heads are checked by a sweep every {@value #TICK_MILLIS} ms that reads each HTTP/1.1 parser's state, and on HTTP/2
 * whether a HEADERS frame is still being read ({@link H2HeadProbe}) or a header block continued in CONTINUATION frames
 * is still open (its first frame's begin time is the parser's still); a head is closed only once two sweeps saw the same unfinished head, so a deadline fires up to one tick late,
 * never early. On HTTP/2 the whole connection is closed, as it has to be: the stream does not exist before its head
 * ends.
 */
final class ConnectionGuard implements Connection.Listener, AutoCloseable {
    static final long TICK_MILLIS = 200;

    /** Threads beyond those calls may hold ({@link #maxThreads}): Jetty's own default pool size. */
    static final int SPARE_THREADS = 200;

    private final long headTimeoutNanos;
    private final int maxConnections;
    private final int maxPerClient;
    private final Map<EndPoint, Tracked> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, Client> perClient = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    /** Calls in flight on HTTP/2 connections, of every address. */
    private final AtomicInteger h2Calls = new AtomicInteger();

    private final ScheduledExecutorService sweeper;

    ConnectionGuard(long headTimeoutMillis, int maxConnections, int maxPerClient) {
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMillis);
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spendgate-http-guard");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * One network connection, keyed by its socket's end point: across an upgrade from HTTP/1.1 to HTTP/2, and over TLS,
     * where the TLS connection sits on the socket and the ALPN, HTTP/1.1 or HTTP/2 connection on the TLS end point
     * inside it.
     */
    static final class Tracked {
        final EndPoint endPoint;
        final InetAddress address;
        /** The counts of its client address, null without one. */
        final Client client;

        volatile Connection connection;
        final AtomicInteger calls = new AtomicInteger();
        volatile long idleSince = System.nanoTime();
        /** The parser's start time of an unfinished head seen by the last sweep, or 0. */
        long headSeen;
        /** HTTP/2: the begin time of a header block that went on past its first frame, or 0 once it ended. */
        volatile long headerBlockBegin;

        Tracked(EndPoint endPoint, InetAddress address, Client client, Connection connection) {
            this.endPoint = endPoint;
            this.address = address;
            this.client = client;
            this.connection = connection;
        }
    }

    /**
     * One client address: its open connections (changed in {@link #perClient}'s {@code compute}, so an entry is removed
     * only when unused), and its calls in flight on HTTP/2 connections.
     */
    private static final class Client {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger h2Calls = new AtomicInteger();

        boolean unused() {
            return connections.get() <= 0 && h2Calls.get() <= 0;
        }
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint endPoint = socket(connection.getEndPoint());
        Tracked existing = open.get(endPoint);
        if (existing != null) {
            if (!(connection instanceof SslConnection)) {
                existing.connection = connection; // an upgrade (h2c, ALPN) or the protocol inside TLS
            }
            return;
        }
        InetAddress address = address(endPoint.getRemoteSocketAddress());
        Client client = address == null
                ? null
                : perClient.compute(address, (a, c) -> {
                    Client counts = c == null ? new Client() : c;
                    counts.connections.incrementAndGet();
                    return counts;
                });
        Tracked t = new Tracked(endPoint, address, client, connection);
        open.put(endPoint, t);
        int total = count.incrementAndGet();
        int ofClient = client == null ? 0 : client.connections.get();
        if (ofClient > maxPerClient) {
            makeRoom(t, t.address);
        } else if (total > maxConnections) {
            makeRoom(t, null);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        EndPoint endPoint = socket(connection.getEndPoint());
        Tracked t = open.get(endPoint);
        if (t != null && !endPoint.isOpen()) { // an open socket here is an upgrade (h2c, ALPN): it goes on
            forget(t);
        }
    }

    /**
     * A call started on this connection: it is not idle, and no new connection may displace it. Returns the connection's
     * entry, to hand back to {@link #callEnded}, or null when it is not tracked.
     */
    Tracked callStarted(Connection connection) {
        Tracked t = connection == null ? null : open.get(socket(connection.getEndPoint()));
        if (t != null) {
            t.calls.incrementAndGet();
            if (t.headerBlockBegin != 0) {
                // HTTP/2: a head ended by an empty CONTINUATION frame, which Jetty does not report
                t.headerBlockBegin = 0;
            }
        }
        return t;
    }

    /** Whether a call on an HTTP/2 connection may start, and if not, which limit it met. */
    enum H2Admission {
        ADMITTED,
        /** Its client address holds {@code maxConnectionsPerClient} HTTP/2 calls in flight. */
        CLIENT_FULL,
        /** All HTTP/2 connections together hold {@code maxConnections} calls in flight. */
        SERVER_FULL
    }

    /**
     * Whether one more call on an HTTP/2 connection fits: an address holds at most {@code maxConnectionsPerClient}
     * HTTP/2 calls in flight, as many as it may hold HTTP/1.1 connections, each with one call, whatever the number of
     * streams its connections carry; and all addresses together at most {@code maxConnections}, as many as the server
     * holds HTTP/1.1 connections. When {@link H2Admission#ADMITTED}, end it with {@code callEnded(t, true)}.
     */
    H2Admission h2CallAdmitted(Tracked t) {
        if (t == null) {
            return H2Admission.ADMITTED; // not tracked: callEnded ignores it too
        }
        Client c = t.client;
        if (c != null && c.h2Calls.incrementAndGet() > maxPerClient) {
            releaseClientCall(t, c);
            return H2Admission.CLIENT_FULL;
        }
        if (h2Calls.incrementAndGet() > maxConnections) {
            h2Calls.decrementAndGet();
            if (c != null) {
                releaseClientCall(t, c);
            }
            return H2Admission.SERVER_FULL;
        }
        return H2Admission.ADMITTED;
    }

    private void releaseClientCall(Tracked t, Client c) {
        if (c.h2Calls.decrementAndGet() <= 0 && c.unused()) {
            removeIfUnused(t.address, c); // its connections closed meanwhile
        }
    }

    /** The call started with {@link #callStarted} ended; {@code h2Admitted} when {@link #h2CallAdmitted} took it. */
    void callEnded(Tracked t, boolean h2Admitted) {
        if (t == null) {
            return;
        }
        t.idleSince = System.nanoTime();
        t.calls.decrementAndGet();
        if (!h2Admitted) {
            return;
        }
        h2Calls.decrementAndGet();
        Client c = t.client;
        if (c != null) {
            releaseClientCall(t, c); // its connections may have closed before the call ended
        }
    }

    /** The most calls in flight one client address may hold on HTTP/2. */
    int maxH2CallsPerClient() {
        return maxPerClient;
    }

    /** The most calls in flight all HTTP/2 connections may hold together. */
    int maxH2Calls() {
        return maxConnections;
    }

    /**
     * The server's threads (virtual, capped by Jetty's pool, where a task past the cap waits for a permit): enough for
     * every call the limits admit, one on each of {@code maxConnections} HTTP/1.1 connections and {@code
     * maxConnections} over HTTP/2, plus {@value #SPARE_THREADS} left for the rest (Jetty's acceptor and selector, heads
     * and bodies being read, {@code /health}, refusals), so calls within their limits never leave a new request
     * waiting for a thread.
     */
    static int maxThreads(int maxConnections) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxConnections + SPARE_THREADS);
    }

    /**
     * Jetty's HTTP/2 rate control, which also tells this guard when a request head goes on in CONTINUATION frames and
     * when it ends, so the head deadline applies to HTTP/2 header blocks as to HTTP/1.1 heads. Only CONTINUATION frames
     * pay for it.
     */
    RateControl.Factory watchingHeaderBlocks(RateControl.Factory jetty) {
        return new RateControl.Factory() {
            @Override
            public RateControl newRateControl(EndPoint endPoint) {
                RateControl rates = jetty.newRateControl(endPoint);
                return event -> {
                    if (event instanceof ContinuationFrame continuation) {
                        headerBlock(endPoint, continuation.isEndHeaders());
                    }
                    return rates.onEvent(event);
                };
            }
        };
    }

    private void headerBlock(EndPoint endPoint, boolean ended) {
        Tracked t = open.get(socket(endPoint));
        if (t != null && t.connection instanceof HTTP2Connection h2) {
            // on the parsing thread, which set the begin time at the block's first byte
            t.headerBlockBegin = ended ? 0 : h2.getSession().getParser().getBeginNanoTime();
        }
    }

    int openConnections() {
        return count.get();
    }

    private void forget(Tracked t) {
        if (open.remove(t.endPoint, t)) {
            count.decrementAndGet();
            Client c = t.client;
            if (c != null && c.connections.decrementAndGet() <= 0 && c.unused()) {
                removeIfUnused(t.address, c);
            }
        }
    }

    /** Removes an address's counts once nothing holds them (checked again under the map's lock, where they grow). */
    private void removeIfUnused(InetAddress address, Client c) {
        perClient.computeIfPresent(address, (a, x) -> x == c && c.unused() ? null : x);
    }

    /** Closes the longest-idle connection without a call (of {@code client} when given), else the new one. */
    private void makeRoom(Tracked newcomer, InetAddress client) {
        Tracked victim = null;
        for (Tracked t : open.values()) {
            if (t == newcomer || t.calls.get() > 0 || (client != null && !client.equals(t.address))) {
                continue;
            }
            if (victim == null || t.idleSince - victim.idleSince < 0) {
                victim = t;
            }
        }
        close(victim == null ? newcomer : victim);
    }

    private void close(Tracked t) {
        forget(t);
        t.endPoint.close();
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Tracked t : open.values()) {
            if (!t.endPoint.isOpen()) {
                forget(t);
                continue;
            }
            boolean unfinishedHead;
            long begin;
            Connection connection = t.connection;
            if (connection instanceof HttpConnection http) {
                HttpParser parser = http.getParser();
                unfinishedHead = !parser.isStart() && parser.inHeaderState();
                begin = parser.getBeginNanoTime();
            } else if (connection instanceof HTTP2Connection h2) {
                // the parser keeps the begin time of a header block's first frame until its last: while it is
                // still the one noted at a CONTINUATION frame without END_HEADERS, that block is unfinished; and a
                // HEADERS frame still being read (sent byte by byte) is one too
                Parser parser = h2.getSession().getParser();
                begin = parser.getBeginNanoTime();
                long block = t.headerBlockBegin;
                unfinishedHead = block != 0 && block == begin || H2HeadProbe.inHead(parser);
            } else {
                continue; // TLS handshake or ALPN: the idle timeout covers them
            }
            if (headOverdue(unfinishedHead, begin, t.headSeen, now, headTimeoutNanos)) {
                close(t);
            } else {
                t.headSeen = unfinishedHead ? begin : 0;
            }
        }
    }

    /**
     * Whether a connection's request head is past its deadline: unfinished, begun at {@code begin} (the parser's
     * {@code System.nanoTime()} of its first byte), the same head the previous sweep saw ({@code seen}), and older than
     * the timeout. The sweeper reads the parser's fields from another thread without a lock: a begin time of 0 is a head
     * whose start this thread cannot see yet (or none), never a head begun at time 0, since 0 is also "nothing seen".
     */
    static boolean headOverdue(boolean unfinishedHead, long begin, long seen, long now, long timeoutNanos) {
        return unfinishedHead && begin != 0 && seen == begin && now - begin > timeoutNanos;
    }

    /** The socket's end point under any TLS end point wrapped around it. */
    private static EndPoint socket(EndPoint endPoint) {
        EndPoint e = endPoint;
        while (e instanceof EndPoint.Wrapper wrapper) {
            e = wrapper.unwrap();
        }
        return e;
    }

    private static InetAddress address(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
