package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.Http1Codec;
import dev.spendgate.function.proxy.http.Http1Codec.FramedBody;
import dev.spendgate.function.proxy.http.Http1Codec.ResponseHead;
import dev.spendgate.function.proxy.upstream.UpstreamConnections.Body;
import dev.spendgate.function.proxy.upstream.UpstreamConnections.Connection;
import dev.spendgate.function.proxy.upstream.UpstreamConnections.JdkBody;
import dev.spendgate.function.proxy.upstream.UpstreamConnections.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends a request upstream over HTTP/1.1 with keep-alive and hands back the body as a stream, as it arrives.
 *
 * <p>A small client on plain sockets: the call runs on the caller's thread, the request (head and body) leaves in one
 * write with {@code TCP_NODELAY}, and idle connections wait in a per-origin pool (most recently used first; an idle
 * connection is closed after {@value #IDLE_SECONDS} s, the JDK client's default, so a Lambda thawed after a pause does
 * not send on a connection that a NAT or the provider has long dropped). A request that finds its pooled connection closed by the
 * server (nothing came back) is sent once more on a new connection, as the JDK's client does. HTTPS verifies the
 * certificate chain and the host name. It replaced {@link HttpURLConnection}, which cost about a quarter of the
 * gateway's own CPU per call (bench/RESULTS.md); that client is still used when a JVM-wide HTTP proxy is configured
 * ({@code https.proxyHost} and friends), so proxy settings keep working. Its idle-connection cache is the JVM's
 * ({@code http.maxConnections}, 5 per destination unless the operator sets it); this class sets no system property.
 * The response framing is {@link Http1Codec}'s, shared with the Lambda Runtime API client.
 */
public final class UpstreamClient {
    static final int IDLE_SECONDS = 5;
    static final long IDLE_NANOS = IDLE_SECONDS * 1_000_000_000L;
    static final int MAX_IDLE_PER_ORIGIN = 256;
    private static final String PEER = "the upstream";

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final SSLSocketFactory tls;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();
    private final Map<String, Boolean> viaProxy = new ConcurrentHashMap<>();

    /** Benchmarks only; null (the default) times nothing. */
    private static volatile ExchangeTimes exchangeTimes;

    /**
     * When each exchange on a plain connection began, left and was answered ({@link System#nanoTime()}, comparable
     * with other JVMs' on Linux), so a benchmark can line up a slow call with when its upstream answered. Called on
     * the caller's thread once the response head is read.
     */
    @FunctionalInterface
    public interface ExchangeTimes {
        /**
         * {@code localPort} is this end of the connection; {@code reused} whether it came from the pool; {@code
         * beganNanos} is before a connection was taken or opened, {@code writtenNanos} after the request's write
         * returned, {@code headNanos} after the response head was read.
         */
        void exchanged(int localPort, boolean reused, long beganNanos, long writtenNanos, long headNanos);
    }

    /** Times every later exchange of every client in this JVM ({@code null}: stop). For benchmarks. */
    public static void timeExchanges(ExchangeTimes times) {
        exchangeTimes = times;
    }

    public UpstreamClient(Duration connectTimeout, Duration readTimeout) {
        this(connectTimeout, readTimeout, null);
    }

    /** With the TLS socket factory to use for {@code https} (null: the JVM's default trust store). */
    UpstreamClient(Duration connectTimeout, Duration readTimeout, SSLSocketFactory tls) {
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.tls = tls;
    }

    /**
     * Posts the body. Throws {@link IOException} when no response arrives (connection refused, reset, timed out).
     */
    public Response post(URI uri, Headers headers, byte[] body) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException("unsupported upstream scheme: " + uri.getScheme());
        }
        boolean secure = scheme.equals("https");
        String host = uri.getHost();
        if (host == null) {
            throw new IOException("upstream URL has no host: " + uri);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
        String origin = scheme + "://" + host + ":" + port;
        if (viaProxy.computeIfAbsent(origin, o -> usesProxy(uri))) {
            return postThroughJdk(uri, headers, body);
        }
        byte[] request = encode(uri, host, port, secure, headers, body);
        long began = exchangeTimes == null ? 0 : System.nanoTime();
        Pool pool = pools.computeIfAbsent(origin, o -> new Pool());
        Connection pooled = pool.take();
        if (pooled != null) {
            try {
                return exchange(pool, pooled, request, began);
            } catch (StaleConnection e) {
                pooled.close(); // the server had closed it while idle: send again on a new connection
            } catch (IOException | RuntimeException e) {
                pooled.close(); // a bad answer or a timeout: the connection is in an unknown state
                throw e;
            }
        }
        Connection fresh = open(host, port, secure);
        try {
            return exchange(pool, fresh, request, began);
        } catch (IOException | RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    /**
     * The upstream's status, headers and body stream; close the stream when done. The body's {@code available()}
     * counts the bytes that have arrived and can be read without blocking.
     */
    public record Response(int status, Headers headers, InputStream body) {
        /**
         * Whether the body is known to be read to its framed end, so its next read returns -1 without waiting. False
         * when that cannot be told without a read (through the JDK's client).
         */
        public boolean bodyEnded() {
            return body instanceof Body framed && framed.ended();
        }
    }

    private static boolean usesProxy(URI uri) {
        ProxySelector selector = ProxySelector.getDefault();
        if (selector == null) {
            return false;
        }
        try {
            List<Proxy> proxies = selector.select(uri);
            return !proxies.isEmpty() && proxies.get(0).type() != Proxy.Type.DIRECT;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Connection open(String host, int port, boolean secure) throws IOException {
        Socket tcp = new Socket();
        Socket socket = tcp;
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            if (secure) {
                socket.setSoTimeout(readTimeoutMillis); // for the handshake; later reads have a ReadDeadlines guard
                SSLSocketFactory factory = tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault();
                SSLSocket ssl = (SSLSocket) factory.createSocket(socket, host, port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name this host
                ssl.setSSLParameters(parameters);
                ssl.startHandshake();
                ssl.setSoTimeout(0);
                socket = ssl;
            }
            return new Connection(socket, tcp, readTimeoutMillis);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Request line, headers (with Host and Content-Length) and body in one array, so they leave in one write. */
    private static byte[] encode(URI uri, String host, int port, boolean secure, Headers headers, byte[] body)
            throws IOException {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder head = new StringBuilder(512)
                .append("POST ")
                .append(path)
                .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                .append(" HTTP/1.1\r\nHost: ")
                .append(host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host);
        if (port != (secure ? 443 : 80)) {
            head.append(':').append(port);
        }
        head.append("\r\n");
        boolean[] accept = {false};
        IOException[] bad = {null};
        headers.forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (lower.equals("host")
                    || lower.equals("content-length")
                    || lower.equals("transfer-encoding")
                    || lower.equals("accept-encoding")
                    || lower.equals("connection")) {
                return; // set here
            }
            if (!Http1Codec.sendable(name, value)) {
                bad[0] = new IOException("header " + name + " cannot be sent: it contains a line break");
                return;
            }
            accept[0] |= lower.equals("accept");
            head.append(name).append(": ").append(value).append("\r\n");
        });
        if (bad[0] != null) {
            throw bad[0];
        }
        if (!accept[0]) {
            head.append("Accept: */*\r\n");
        }
        // the answer is relayed and its usage read as it arrives: uncoded (a gzip or deflate one is decoded:
        // InflatingBody)
        head.append("Accept-Encoding: identity\r\n");
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        return join(head, body);
    }

    /**
     * The head in ISO-8859-1 and the body in one array: the head's characters copied straight in, not through a
     * string and its bytes first; a head with a character past Latin-1 (sent as {@code ?}) goes through
     * {@code getBytes}.
     */
    static byte[] join(CharSequence head, byte[] body) {
        int length = head.length();
        byte[] request = new byte[length + body.length];
        for (int i = 0; i < length; i++) {
            char c = head.charAt(i);
            if (c > 0xff) {
                byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
                request = new byte[headBytes.length + body.length];
                System.arraycopy(headBytes, 0, request, 0, headBytes.length);
                System.arraycopy(body, 0, request, headBytes.length, body.length);
                return request;
            }
            request[i] = (byte) c;
        }
        System.arraycopy(body, 0, request, length, body.length);
        return request;
    }

    private Response exchange(Pool pool, Connection c, byte[] request, long began) throws IOException {
        boolean reused = c.used;
        c.used = true;
        c.in.resetReadAny();
        ResponseHead head;
        boolean sent = false;
        long sentAt = 0;
        try {
            c.deadline.write(c.out, request); // an upstream that stops reading fails it within the upstream timeout
            sent = true;
            sentAt = System.nanoTime();
            CallStages.stamp(CallStages.Stage.UPSTREAM_WRITTEN);
            ExchangeTimes times = began == 0 ? null : exchangeTimes;
            long written = times == null ? 0 : System.nanoTime();
            c.deadline.hold(); // one deadline for the whole head, interim answers included, however it trickles
            try {
                head = Http1Codec.readResponseHead(c.in, PEER);
            } finally {
                c.deadline.release();
            }
            CallStages.stamp(CallStages.Stage.UPSTREAM_HEAD);
            if (times != null) {
                times.exchanged(c.socket.getLocalPort(), reused, began, written, System.nanoTime());
            }
        } catch (SocketTimeoutException e) {
            throw sent ? new NoAnswer(e) : e;
        } catch (IOException e) {
            if (!c.in.readAny() && closedOnArrival(sent, sentAt)) {
                throw reused ? new StaleConnection(e) : new ClosedOnArrival(e);
            }
            throw sent ? new NoAnswer(e) : e;
        }
        if (head == null) {
            if (closedOnArrival(sent, sentAt)) {
                throw reused ? new StaleConnection(null) : new ClosedOnArrival(null);
            }
            throw new NoAnswer(new IOException("the upstream closed the connection without answering"));
        }
        FramedBody body;
        try {
            body = Http1Codec.body(c.in, head);
        } catch (IOException e) {
            throw new NoAnswer(e); // the provider answered: a head Spendgate cannot frame is no answer, not no call
        }
        boolean keepAlive = head.keepAlive() && !(body instanceof Http1Codec.UntilCloseBody);
        return decoded(head.status(), head.headers(), new Body(body, pool, c, keepAlive));
    }

    /**
     * The response, its body decoded when the upstream gzipped or deflated it though asked not to. A body in another
     * coding keeps it, and its {@code Content-Encoding} with it.
     */
    private static Response decoded(int status, Headers headers, InputStream body) {
        InflatingBody decoded = InflatingBody.of(headers.first("content-encoding"), body);
        if (decoded == null) {
            return new Response(status, headers, body);
        }
        headers.remove("content-encoding");
        headers.remove("content-length"); // the coded length
        return new Response(status, headers, decoded);
    }

    /**
     * Whether a connection that ended without an answer was already closed by the upstream when the request arrived
     * (a pooled one it had timed out while idle; a fresh one accepted by a TCP proxy or port-forward whose backend is
     * down): the failure came at once, nothing came back. One that ended later was open, and the provider may be
     * running (and billing) the call: it is not sent again, and its worst case stays spent.
     */
    private static boolean closedOnArrival(boolean sent, long sentAt) {
        return !sent || System.nanoTime() - sentAt < STALE_WINDOW_NANOS;
    }

    /** How soon after the write a pooled connection's failure means it was closed before the request arrived. */
    private static final long STALE_WINDOW_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * The whole request was sent and no answer came (a timeout, a reset, a close): the provider may have received it
     * and be generating (and billing) the answer, so the call cannot be treated as never made.
     */
    public static final class NoAnswer extends IOException {
        NoAnswer(IOException cause) {
            super(cause.getMessage(), cause);
        }

        /** Whether the answer did not come within the read timeout (rather than the connection failing). */
        public boolean timedOut() {
            return getCause() instanceof SocketTimeoutException;
        }
    }

    /**
     * A fresh connection closed the moment the request arrived, nothing back: as a pooled one would have been sent
     * again, the call never reached a provider ({@code upstream_unreachable}, its reservation given back).
     */
    private static final class ClosedOnArrival extends IOException {
        ClosedOnArrival(IOException cause) {
            super("the upstream closed the connection the moment the request arrived", cause);
        }
    }

    /** A pooled connection turned out to be closed before anything came back. */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException cause) {
            super("pooled connection closed by the upstream", cause);
        }
    }

    // ---- through a JVM-wide HTTP proxy: the JDK's client, which honours the proxy settings ----

    private Response postThroughJdk(URI uri, Headers headers, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setRequestMethod("POST");
            connection.setConnectTimeout(connectTimeoutMillis);
            connection.setReadTimeout(readTimeoutMillis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setDoOutput(true);
            // streamed at a fixed length, the JDK never sends the POST again (sun.net.http.retryPost) when its
            // kept-alive connection fails after the provider received it: the provider would run and bill it twice
            connection.setFixedLengthStreamingMode(body.length);
            headers.forEach(connection::addRequestProperty);
            if (!headers.contains("accept")) {
                connection.setRequestProperty("Accept", "*/*");
            }
            connection.setRequestProperty("Accept-Encoding", "identity");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status;
            try {
                status = connection.getResponseCode();
            } catch (IOException e) {
                throw new NoAnswer(e);
            }
            Headers responseHeaders = new Headers();
            for (Map.Entry<String, List<String>> header :
                    connection.getHeaderFields().entrySet()) {
                if (header.getKey() != null) {
                    header.getValue().forEach(v -> responseHeaders.add(header.getKey(), v));
                }
            }
            InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            if (stream == null) {
                stream = InputStream.nullInputStream();
            }
            return decoded(status, responseHeaders, new JdkBody(stream, connection));
        } catch (IOException | RuntimeException e) {
            connection.disconnect();
            throw e;
        }
    }
}
