package dev.spendgate.function.proxy.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway on a local HTTP port ({@code ./spendgate local}), with real streaming: each chunk is flushed as sent. */
public final class LocalGatewayServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final Gateway gateway;
    private final AdminApi admin;

    private LocalGatewayServer(HttpServer server, ExecutorService executor, Gateway gateway, AdminApi admin) {
        this.admin = admin;
        this.server = server;
        this.executor = executor;
        this.gateway = gateway;
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
        // Without TCP_NODELAY, small SSE writes and responses wait on delayed ACKs (about 40 ms each). The JDK reads
        // this once, when its first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "spendgate-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        LocalGatewayServer local = new LocalGatewayServer(server, executor, gateway, admin);
        server.createContext("/", local::handle);
        server.start();
        return local;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://" + server.getAddress().getHostString() + ":" + port();
    }

    /** Stops accepting calls, lets running ones finish for up to {@code graceSeconds}. */
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
        executor.shutdown();
        try {
            executor.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if ("GET".equals(exchange.getRequestMethod()) && "/health".equals(path)) {
                byte[] ok = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
                return;
            }
            byte[] body = readBody(exchange.getRequestBody(), gateway.maxBodyBytes() + 1);
            String query = exchange.getRequestURI().getRawQuery();
            GatewayRequest request = new GatewayRequest(
                    exchange.getRequestMethod(),
                    query == null ? path : path + "?" + query,
                    Headers.of(exchange.getRequestHeaders()),
                    body);
            if (admin != null && AdminApi.isAdminPath(path)) {
                admin.handleWithToken(request, new ExchangeSink(exchange));
                return;
            }
            gateway.handle(request, new ExchangeSink(exchange));
        }
    }

    private static byte[] readBody(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
    }

    private static final class ExchangeSink implements ResponseSink {
        private final HttpExchange exchange;
        private OutputStream out;

        ExchangeSink(HttpExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void start(int status, Headers headers, long contentLength) throws IOException {
            headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(status, contentLength < 0 ? 0 : contentLength == 0 ? -1 : contentLength);
            out = exchange.getResponseBody();
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void end() throws IOException {
            out.close();
        }
    }
}
