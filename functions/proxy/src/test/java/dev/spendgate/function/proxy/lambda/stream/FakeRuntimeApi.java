package dev.spendgate.function.proxy.lambda.stream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API as documented, on a local port: {@code GET /2018-06-01/runtime/invocation/next} hands out
 * queued events, {@code POST .../invocation/{id}/response} reads a (possibly streamed, chunked) response and records
 * when each piece arrived, {@code POST .../invocation/{id}/error} and {@code POST .../init/error} record errors.
 */
final class FakeRuntimeApi implements AutoCloseable {
    /** A response as received: request headers, and every body read with the time it arrived. */
    record Received(String requestId, Map<String, String> headers, List<Piece> pieces, long endNanos) {
        byte[] body() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            pieces.forEach(p -> out.writeBytes(p.bytes()));
            return out.toByteArray();
        }
    }

    record Piece(long nanos, byte[] bytes) {}

    record Error(String path, String errorType, String body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<byte[]> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<Received> responses = new LinkedBlockingQueue<>();
    final List<Error> errors = new CopyOnWriteArrayList<>();
    /** When each invocation's event was handed out ({@link System#nanoTime}), by request id. */
    final Map<String, Long> handedOut = new java.util.concurrent.ConcurrentHashMap<>();

    /** How many {@code /invocation/next} requests arrived (a worker asking for its next event). */
    final java.util.concurrent.atomic.AtomicInteger nextRequests = new java.util.concurrent.atomic.AtomicInteger();

    private int sequence;
    /** How long each invocation may run: its {@code Lambda-Runtime-Deadline-Ms} is this far after it is handed out. */
    volatile long invocationMillis = 900_000;

    FakeRuntimeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(executor);
        server.createContext("/2018-06-01/runtime/", this::handle);
        server.start();
    }

    String hostAndPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    void enqueue(String eventJson) {
        events.add(eventJson.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Waits (up to 20 s) until {@code n} {@code /invocation/next} requests arrived: with {@code w} workers and {@code k}
     * invocations handed out, {@code w + k} means every worker finished its invocation, so a test that ends then leaves
     * none writing into its temporary directory while JUnit deletes it.
     */
    void awaitNextRequests(int n) throws InterruptedException {
        for (int i = 0; i < 400 && nextRequests.get() < n; i++) {
            Thread.sleep(50);
        }
    }

    Received awaitResponse() throws InterruptedException {
        Received r = responses.poll(20, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no response reached the Runtime API");
        }
        return r;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/invocation/next") && "GET".equals(exchange.getRequestMethod())) {
                nextRequests.incrementAndGet();
                byte[] event;
                try {
                    event = events.poll(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (event == null) {
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                String id;
                synchronized (this) {
                    id = "req-" + ++sequence;
                }
                exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", id);
                exchange.getResponseHeaders()
                        .set(
                                "Lambda-Runtime-Deadline-Ms",
                                Long.toString(System.currentTimeMillis() + invocationMillis));
                exchange.getResponseHeaders().set("Lambda-Runtime-Trace-Id", "Root=1-test");
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                handedOut.put(id, System.nanoTime());
                exchange.sendResponseHeaders(200, event.length);
                exchange.getResponseBody().write(event);
                return;
            }
            if (path.endsWith("/response") && "POST".equals(exchange.getRequestMethod())) {
                String id = path.substring(path.indexOf("/invocation/") + 12, path.lastIndexOf('/'));
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
                List<Piece> pieces = new CopyOnWriteArrayList<>();
                InputStream in = exchange.getRequestBody();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) != -1) {
                    byte[] copy = new byte[n];
                    System.arraycopy(buf, 0, copy, 0, n);
                    pieces.add(new Piece(System.nanoTime(), copy));
                }
                long end = System.nanoTime();
                exchange.sendResponseHeaders(202, -1);
                responses.add(new Received(id, headers, pieces, end));
                return;
            }
            if (path.endsWith("/error") && "POST".equals(exchange.getRequestMethod())) {
                errors.add(new Error(
                        path,
                        exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            exchange.sendResponseHeaders(404, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
