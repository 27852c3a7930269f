package dev.spendgate.deployed;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Lambda execution environment of a function from the template: a local Runtime API (as documented: {@code
 * /2018-06-01/runtime/invocation/next}, {@code .../response} streamed or buffered, {@code .../error},
 * {@code /init/error}) and the function's code in a JVM of its own, started with exactly the template's environment
 * plus what Lambda itself sets ({@code AWS_LAMBDA_RUNTIME_API}, region, credentials, {@code _HANDLER}) and the local
 * endpoint. {@code provided.al2023} functions run their handler class's {@code main} (what the {@code bootstrap}
 * script does); {@code java21} functions run under {@link ManagedJavaRuntime}. The JVM's heap follows the configured
 * memory ({@code -XX:MaxRAM}).
 *
 * <p>Per invocation it records when the event was handed out, when the response ended, and when the function asked
 * for the next event: Lambda bills the time between handing out an event and the next {@code /next}.
 */
final class LocalLambda implements AutoCloseable {
    /** One invocation: its response body as it streams in, and its moments (System.nanoTime). */
    static final class Invocation {
        final String requestId;
        final byte[] event;
        final BodyPipe body = new BodyPipe();
        final CompletableFuture<Long> delivered = new CompletableFuture<>();
        final CompletableFuture<Long> responseEnded = new CompletableFuture<>();
        final CompletableFuture<Long> billedEnd = new CompletableFuture<>();
        final AtomicReference<String> errorType = new AtomicReference<>();
        volatile long logBytesAtStart;
        volatile long logBytesAtEnd;

        Invocation(String requestId, byte[] event) {
            this.requestId = requestId;
            this.event = event;
        }

        /** Billed duration in nanoseconds, once the function has asked for its next event. */
        long billedNanos() throws Exception {
            return billedEnd.get(60, TimeUnit.SECONDS) - delivered.get(60, TimeUnit.SECONDS);
        }

        /** Bytes the function wrote to its log (stdout + stderr) during this invocation. */
        long logBytes() throws Exception {
            billedEnd.get(60, TimeUnit.SECONDS);
            return logBytesAtEnd - logBytesAtStart;
        }
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    final DeployedTemplate.Function function;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "local-runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> byId = new ConcurrentHashMap<>();
    private final AtomicReference<Invocation> current = new AtomicReference<>();
    private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private final Path log;
    private final Process process;

    private LocalLambda(DeployedTemplate.Function function, Map<String, String> localEnv, Path logDir)
            throws IOException {
        this.function = function;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(executor);
        server.createContext("/2018-06-01/runtime/", this::handle);
        server.start();
        log = logDir.resolve(function.logicalId() + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAM=" + function.memoryMb() + "m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path")));
        command.add(mainClass(function));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path == null ? "/usr/bin:/bin" : path);
        env.putAll(function.mountedEnvironment());
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + server.getAddress().getPort());
        env.put("AWS_REGION", DeployedTemplate.REGION);
        env.put("AWS_DEFAULT_REGION", DeployedTemplate.REGION);
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        // Lambda also sets AWS_SESSION_TOKEN; s3proxy refuses X-Amz-Security-Token (501), so none here.
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("_HANDLER", function.handler());
        env.put("TZ", ":UTC");
        env.putAll(localEnv);
        process = pb.start();
    }

    /**
     * Starts the function's environment. {@code localEnv} adds only what no deployment sets: the local endpoint
     * ({@code SPENDGATE_AWS_ENDPOINT_URL}).
     */
    static LocalLambda start(DeployedTemplate.Function function, Map<String, String> localEnv, Path logDir) {
        try {
            return new LocalLambda(function, localEnv, logDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + function.logicalId(), e);
        }
    }

    private static String mainClass(DeployedTemplate.Function f) {
        if (f.runtime().startsWith("provided")) {
            // the bootstrap script of package-proxy.sh runs the handler class's main
            return f.handler();
        }
        if (f.runtime().startsWith("java")) {
            return ManagedJavaRuntime.class.getName();
        }
        throw new AssertionError("no local stand-in for runtime " + f.runtime() + " of " + f.logicalId());
    }

    /** Waits until the function has initialised (its first {@code /next}); fails with its init error or log. */
    long awaitReady() throws Exception {
        CompletableFuture<Object> either = CompletableFuture.anyOf(firstNext, initError);
        Object r;
        try {
            r = either.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(function.logicalId() + " did not ask for an event within 60 s; log:\n" + log());
        }
        if (r instanceof String error) {
            throw new AssertionError(function.logicalId() + " failed to start: " + error + "\nlog:\n" + log());
        }
        return (Long) r;
    }

    /** Queues one event; the returned invocation fills as the function answers. */
    Invocation invoke(byte[] event) {
        Invocation inv = new Invocation(function.logicalId() + "-" + SEQUENCE.incrementAndGet(), event);
        byId.put(inv.requestId, inv);
        queue.add(inv);
        return inv;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private long logSize() {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.endsWith("/invocation/next") && method.equals("GET")) {
                long now = System.nanoTime();
                firstNext.complete(now);
                Invocation previous = current.getAndSet(null);
                if (previous != null) {
                    previous.logBytesAtEnd = logSize();
                    previous.billedEnd.complete(now);
                }
                Invocation inv;
                try {
                    inv = queue.poll(10, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (inv == null) {
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                current.set(inv);
                inv.logBytesAtStart = logSize();
                exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", inv.requestId);
                exchange.getResponseHeaders()
                        .set(
                                "Lambda-Runtime-Deadline-Ms",
                                Long.toString(System.currentTimeMillis() + function.timeoutSeconds() * 1000L));
                exchange.getResponseHeaders()
                        .set(
                                "Lambda-Runtime-Invoked-Function-Arn",
                                "arn:aws:lambda:" + DeployedTemplate.REGION + ":" + DeployedTemplate.ACCOUNT
                                        + ":function:" + function.logicalId() + ":live");
                exchange.getResponseHeaders().set("Lambda-Runtime-Trace-Id", "Root=1-local");
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, inv.event.length);
                inv.delivered.complete(System.nanoTime());
                exchange.getResponseBody().write(inv.event);
                return;
            }
            if (path.endsWith("/init/error")) {
                initError.complete(new String(exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            Invocation inv = byId.get(requestId(path));
            if (inv == null) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            if (path.endsWith("/response") && method.equals("POST")) {
                InputStream in = exchange.getRequestBody();
                byte[] buf = new byte[8192];
                int n;
                try {
                    while ((n = in.read(buf)) != -1) {
                        inv.body.write(buf, 0, n);
                    }
                } catch (IOException e) {
                    inv.errorType.compareAndSet(null, "Runtime.ResponseAborted");
                }
                inv.responseEnded.complete(System.nanoTime());
                inv.body.end();
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            if (path.endsWith("/error") && method.equals("POST")) {
                String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
                inv.errorType.set(type == null ? "Unhandled" : type);
                inv.body.write(exchange.getRequestBody().readAllBytes());
                inv.responseEnded.complete(System.nanoTime());
                inv.body.end();
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            exchange.sendResponseHeaders(404, -1);
        }
    }

    private static String requestId(String path) {
        int start = path.indexOf("/invocation/") + "/invocation/".length();
        int end = path.indexOf('/', start);
        return end < 0 ? "" : path.substring(start, end);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    /** The response body as it arrives: written by the Runtime API handler, read by whoever relays it. */
    static final class BodyPipe extends InputStream {
        private static final byte[] END = new byte[0];
        private final BlockingQueue<byte[]> pieces = new LinkedBlockingQueue<>();
        private byte[] piece;
        private int pos;
        private boolean ended;

        void write(byte[] b) {
            write(b, 0, b.length);
        }

        void write(byte[] b, int off, int len) {
            if (len > 0) {
                byte[] copy = new byte[len];
                System.arraycopy(b, off, copy, 0, len);
                pieces.add(copy);
            }
        }

        void end() {
            pieces.add(END);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (piece == null || pos == piece.length) {
                try {
                    piece = pieces.poll(15, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                pos = 0;
                if (piece == null || piece == END) {
                    ended = true;
                    return -1;
                }
            }
            int n = Math.min(len, piece.length - pos);
            System.arraycopy(piece, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
