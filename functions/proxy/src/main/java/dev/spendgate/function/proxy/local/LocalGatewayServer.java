package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.VirtualThreads;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadFactory;

/**
 * The gateway on a local HTTP port ({@code ./spendgate local}), with real streaming: each chunk is flushed as sent.
 *
 * <p>Two engines, chosen by the Java version it runs on (system property {@code spendgate.localServer} = {@code
 * threads} or {@code jdk} overrides): on Java 21+ {@link Http11Server} with a virtual thread per connection, which
 * reads, handles and answers a call on one thread and lets the JDK's FIFO scheduler share the cores fairly
 * (bench/RESULTS.md: added p99 at 64 connections +6.6 ms against +31 ms); on Java 17-20 the JDK's {@code
 * com.sun.net.httpserver} with a pool of {@code threads} workers. {@code threads} bounds the calls served at once
 * (with {@link Http11Server}: the open connections; more wait in the listen backlog).
 */
public final class LocalGatewayServer implements AutoCloseable {
    private static final int IDLE_TIMEOUT_MILLIS = 60_000;
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    /** A running HTTP server that hands every request to the gateway. */
    interface Engine {
        InetSocketAddress address();

        /** One line for the start-up banner: which server and threads. */
        String description();

        void stop(int graceSeconds);
    }

    private final Engine server;

    private LocalGatewayServer(Engine server) {
        this.server = server;
    }

    /** Starts on {@code host:port} (port 0 picks a free one). */
    public static LocalGatewayServer start(Gateway gateway, String host, int port, int threads) throws IOException {
        return start(gateway, null, host, port, threads);
    }

    /** Starts with the admin API ({@code /admin/...}, token-protected) beside the LLM endpoints. */
    public static LocalGatewayServer start(GatewayRuntime runtime, String host, int port, int threads)
            throws IOException {
        return start(runtime.gateway(), runtime.admin(), host, port, threads);
    }

    private static LocalGatewayServer start(Gateway gateway, AdminApi admin, String host, int port, int threads)
            throws IOException {
        Http11Server.Handler handler = (request, sink) -> route(gateway, admin, request, sink);
        String choice = System.getProperty("spendgate.localServer", "auto");
        ThreadFactory virtual = virtualThreadFactory();
        boolean http11 =
                switch (choice) {
                    case "threads" -> true;
                    case "jdk" -> false;
                    case "auto" -> virtual != null;
                    default ->
                        throw new IllegalArgumentException(
                                "spendgate.localServer must be auto, threads or jdk, not " + choice);
                };
        return new LocalGatewayServer(
                http11
                        ? Http11Server.start(
                                host, port, handler, gateway.maxBodyBytes(), threads, IDLE_TIMEOUT_MILLIS, virtual)
                        : JdkHttpServerEngine.start(host, port, handler, gateway.maxBodyBytes(), threads));
    }

    /** Virtual threads for the connections on Java 21+, null before. */
    static ThreadFactory virtualThreadFactory() {
        return VirtualThreads.factory("spendgate-http-");
    }

    /** Which server and threads serve the calls, for the start-up banner. */
    public String engineDescription() {
        return server.description();
    }

    public int port() {
        return server.address().getPort();
    }

    public String baseUrl() {
        return "http://" + server.address().getHostString() + ":" + port();
    }

    /** Stops accepting calls, lets running ones finish for up to {@code graceSeconds}. */
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
    }

    @Override
    public void close() {
        stop(1);
    }

    private static void route(Gateway gateway, AdminApi admin, GatewayRequest request, ResponseSink sink)
            throws IOException {
        String path = request.path();
        int query = path.indexOf('?');
        String bare = query >= 0 ? path.substring(0, query) : path;
        if ("GET".equals(request.method()) && "/health".equals(bare)) {
            sink.start(200, new Headers().set("Content-Type", "application/json"), HEALTHY.length);
            sink.write(HEALTHY);
            sink.end();
        } else if (admin != null && AdminApi.isAdminPath(bare)) {
            admin.handleWithToken(request, sink);
        } else {
            gateway.handle(request, sink);
        }
    }
}
