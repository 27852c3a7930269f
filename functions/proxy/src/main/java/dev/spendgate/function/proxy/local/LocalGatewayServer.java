package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.Router;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.KeyStore;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The gateway on a local HTTP port ({@code ./spendgate local}), on Eclipse Jetty: HTTP/1.1 and HTTP/2 cleartext (by
 * prior knowledge or {@code Upgrade: h2c}) on one port, or TLS from a key store (h2 and http/1.1 by ALPN), with real streaming (each {@link
 * ResponseSink#flush} reaches the client at once).
 *
 * <p>Jetty parses the requests with strict RFC 9110/9112 framing: {@code Content-Length} with {@code
 * Transfer-Encoding}, duplicate or malformed lengths, bad chunk sizes, folded header lines and bare CRs are refused
 * with 400 and the connection closed, so no hidden second request reaches the gateway. A {@link ConnectionGuard} adds
 * the request-head deadline and the connection limits of {@link ServerLimits}. Calls run on virtual threads; idle
 * connections hold no thread.
 */
public final class LocalGatewayServer implements AutoCloseable {
    /** HTTP/2's header block limit, in multiples of {@code SPENDGATE_MAX_HEADER_BYTES}: heads in between get 431. */
    static final int H2_HEAD_FACTOR = 2;

    /** How long a stop waits, past the grace period and the cut, for running calls to write their records. */
    static final long CALLS_WAIT_MILLIS = 5_000;

    /** And once more after the connections closed, for calls that were blocked writing to them. */
    static final long CALLS_WAIT_AFTER_CLOSE_MILLIS = 1_000;

    private final Server server;
    private final ServerConnector connector;
    private final ConnectionGuard guard;
    private final CallsInFlight calls;
    private final GracefulHandler graceful;
    private final String description;
    private final boolean tls;

    private LocalGatewayServer(
            Server server,
            ServerConnector connector,
            ConnectionGuard guard,
            CallsInFlight calls,
            GracefulHandler graceful,
            String description,
            boolean tls) {
        this.server = server;
        this.graceful = graceful;
        this.connector = connector;
        this.guard = guard;
        this.calls = calls;
        this.description = description;
        this.tls = tls;
    }

    /** Starts on {@code host:port} (port 0 picks a free one) with the default limits. */
    public static LocalGatewayServer start(Gateway gateway, String host, int port) throws IOException {
        return start(new Router(gateway, null, null), host, port, ServerLimits.defaults());
    }

    /** Starts with the admin API and the given limits. */
    public static LocalGatewayServer start(GatewayRuntime runtime, String host, int port, ServerLimits limits)
            throws IOException {
        return start(runtime.router(), host, port, limits);
    }

    private static LocalGatewayServer start(Router router, String host, int port, ServerLimits limits)
            throws IOException {
        GatewayHandler.Calls calls = (request, sink) -> router.handle(request, Router.Caller.LOCAL, sink);
        return start(calls, router.gateway().maxBodyBytes(), router.gateway().bodyMemory(), host, port, limits);
    }

    /** Starts a server for any {@link GatewayHandler.Calls} (tests of the server alone), bodies held on half the heap. */
    static LocalGatewayServer start(
            GatewayHandler.Calls calls, long maxBodyBytes, String host, int port, ServerLimits limits)
            throws IOException {
        return start(calls, maxBodyBytes, BodyMemory.halfOfHeap(), host, port, limits);
    }

    /** Starts a server for any {@link GatewayHandler.Calls}, holding bodies above 64 KB on {@code bodyMemory}. */
    static LocalGatewayServer start(
            GatewayHandler.Calls calls,
            long maxBodyBytes,
            BodyMemory bodyMemory,
            String host,
            int port,
            ServerLimits limits)
            throws IOException {
        // A key store that does not open stops the start here, naming SPENDGATE_TLS_KEYSTORE, before anything runs.
        KeyStore keyStore = limits.tlsKeyStore() == null
                ? null
                : TlsKeyStore.open(limits.tlsKeyStore(), limits.tlsKeyStorePassword());
        // Jetty's selector and every call on virtual threads. Against platform selector threads handing calls to
        // virtual ones: 0.126 vs 0.151 ms CPU per call at 16 connections (bench/RESULTS.md).
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("spendgate-http-");
        threads.setMaxThreads(ConnectionGuard.maxThreads(limits.maxConnections()));
        Server server = new Server(threads);
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopAtShutdown(false);

        HttpConfiguration config = new HttpConfiguration();
        config.setHttpCompliance(HttpCompliance.RFC9110);
        // The gateway forwards the raw path and maps nothing to files: an encoded slash is data (Bedrock's ARN model
        // ids, %2F), not an ambiguity. Malformed percent-encoding is still refused.
        config.setUriCompliance(
                UriCompliance.DEFAULT.with("spendgate", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        config.setRequestHeaderSize(limits.maxHeaderBytes());
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        boolean tls = limits.tlsKeyStore() != null;
        if (tls) {
            // The request is marked secure (https); no SNI host check, so a certificate for a name still serves calls
            // made to an address.
            config.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        }
        ConnectionGuard guard = new ConnectionGuard(
                limits.headTimeoutMillis(), limits.maxConnections(), limits.maxConnectionsPerClient());
        HttpConnectionFactory http11 = new HttpConnectionFactory(config);
        HttpConfiguration h2Config = h2Config(config, limits.maxHeaderBytes());
        HTTP2CServerConnectionFactory h2c = new H2cUpgradeFactory(h2Config);
        h2c.setStreamIdleTimeout(limits.idleTimeoutMillis());
        h2c.setRateControlFactory(guard.watchingHeaderBlocks(h2c.getRateControlFactory()));

        ConnectionFactory[] factories;
        if (tls) {
            // h2 and http/1.1 offered by ALPN; a client that names neither gets HTTP/1.1.
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(keyStore);
            ssl.setKeyStorePassword(limits.tlsKeyStorePassword()); // opens its keys
            ssl.setCipherComparator(HTTP2Cipher.COMPARATOR); // ciphers HTTP/2 allows first (RFC 9113 9.2.2)
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(h2Config);
            h2.setStreamIdleTimeout(limits.idleTimeoutMillis());
            h2.setRateControlFactory(guard.watchingHeaderBlocks(h2.getRateControlFactory()));
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), http11.getProtocol());
            alpn.setDefaultProtocol(http11.getProtocol());
            factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2, http11};
        } else {
            factories = new ConnectionFactory[] {http11, h2c};
        }
        ServerConnector connector = tls
                ? new ServerConnector(server, 1, 1, factories)
                : new ServerConnector(server, 1, 1, factories) {
                    @Override
                    protected SocketChannelEndPoint newEndPoint(
                            SocketChannel channel, ManagedSelector selector, SelectionKey key) {
                        SocketChannelEndPoint endPoint =
                                new PlainSocketEndPoint(channel, selector, key, getScheduler());
                        endPoint.setIdleTimeout(getIdleTimeout());
                        return endPoint;
                    }
                };
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(1024);
        connector.setIdleTimeout(limits.idleTimeoutMillis());
        connector.addBean(guard);
        server.addConnector(connector);

        GracefulHandler graceful = new GracefulHandler();
        CallsInFlight inFlight = new CallsInFlight();
        graceful.setHandler(new GatewayHandler(
                calls, maxBodyBytes, bodyMemory, limits.bodyTimeoutMillis(), limits.maxHeaderBytes(), guard, inFlight));
        server.setHandler(graceful);
        try {
            server.start();
        } catch (IOException e) {
            guard.close();
            throw e;
        } catch (Exception e) {
            guard.close();
            throw new IOException("the local server did not start: " + e.getMessage(), e);
        }
        String description =
                "Jetty " + Jetty.VERSION + (tls ? ", HTTP/2 and HTTP/1.1 over TLS (ALPN)" : ", HTTP/1.1 and h2c")
                        + ", Java " + Runtime.version().feature() + ", virtual threads";
        return new LocalGatewayServer(server, connector, guard, inFlight, graceful, description, tls);
    }

    /**
     * The HTTP/2 configuration: HTTP/1.1's, with a header block limit of {@value #H2_HEAD_FACTOR} times the head limit.
     * HTTP/2 decodes a head before any stream exists, and a head over the decoder's limit fails the whole connection
     * (GOAWAY, every other call on it cut, no status for the client); with room above the head limit, a head over it
     * reaches {@link GatewayHandler}, which answers 431 on its stream as HTTP/1.1 does. A block over the decoder's
     * limit still closes the connection.
     */
    private static HttpConfiguration h2Config(HttpConfiguration http11, int maxHeaderBytes) {
        HttpConfiguration h2 = new HttpConfiguration(http11);
        h2.setRequestHeaderSize((int) Math.min(Integer.MAX_VALUE, (long) maxHeaderBytes * H2_HEAD_FACTOR));
        return h2;
    }

    /** Which server and threads serve the calls, for the start-up banner. */
    public String engineDescription() {
        return description;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String baseUrl() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        return (tls ? "https://" : "http://") + host + ":" + port();
    }

    /** Open network connections (tests). */
    int openConnections() {
        return guard.openConnections();
    }

    /**
     * Stops accepting calls, lets running ones finish for up to {@code graceSeconds}, then closes every connection. A
     * provider stream still relayed after the grace period is cut and its call recorded ({@code server_stopped});
     * before it returns, the stop waits up to {@value #CALLS_WAIT_MILLIS} ms for running calls to write their records,
     * so the runtime closed next flushes them.
     */
    public void stop(int graceSeconds) {
        try {
            // New calls get 503 from here on; idle keep-alive connections do not hold the grace period.
            graceful.shutdown().get(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // what did not finish in the grace period is cut
        }
        // Cut here, not through Jetty: once it stops, its threads no longer tell a call that its client is gone.
        calls.cutStreams();
        awaitCalls(CALLS_WAIT_MILLIS);
        server.setStopTimeout(0);
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway
        } finally {
            guard.close();
        }
        awaitCalls(CALLS_WAIT_AFTER_CLOSE_MILLIS); // a call whose last write failed as its connection closed
    }

    private void awaitCalls(long millis) {
        try {
            calls.awaitNone(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(1);
    }
}
