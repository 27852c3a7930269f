package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The gateway on a local HTTP port ({@code ./spendgate local}), with real streaming: each chunk is flushed as sent.
 * {@code threads} bounds the connections served at once (each open connection, streaming or idle between calls,
 * holds one thread); more wait in the listen backlog.
 */
public final class LocalGatewayServer implements AutoCloseable {
    private static final int IDLE_TIMEOUT_MILLIS = 60_000;
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private final Http11Server server;

    private LocalGatewayServer(Http11Server server) {
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
        return new LocalGatewayServer(
                Http11Server.start(host, port, handler, gateway.maxBodyBytes(), threads, IDLE_TIMEOUT_MILLIS));
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
