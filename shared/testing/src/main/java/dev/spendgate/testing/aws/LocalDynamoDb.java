package dev.spendgate.testing.aws;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * A dynalite (DynamoDB-compatible) server running as a {@code node} child process on 127.0.0.1, in memory.
 *
 * <p>Test classes normally use {@link #shared()}, one server per JVM, and a fresh table per test. dynalite lacks
 * transactions, TTL, PartiQL and streams, and accepts global secondary indexes only inside CreateTable.
 */
public final class LocalDynamoDb implements AutoCloseable {
    private static final String READY_LINE = "Dynalite listening";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;
    /**
     * Runs dynalite's cli.js (argv[1]) and exits when stdin closes, so the server dies with this JVM even when the JVM
     * is killed without running shutdown hooks (a surefire timeout, kill -9).
     *
     * <p>It also survives a client that drops a connection mid-request: dynalite's request handler rethrows the
     * request's {@code error} event ({@code req.on('error', function (err) { throw err })}, index.js), so one test
     * whose SDK client is closed or interrupted while a request body is in flight ({@code Error: aborted},
     * {@code ECONNRESET}) used to kill the server every later test in the JVM shares. Only that error is swallowed;
     * any other uncaught error still ends the process with its stack, as before.
     */
    private static final String EXIT_WITH_PARENT = "const cli = process.argv[1];"
            + " process.stdin.on('end', () => process.exit(0)); process.stdin.on('error', () => process.exit(0));"
            + " process.on('uncaughtException', (err) => { if (err && (err.code === 'ECONNRESET'"
            + " || err.message === 'aborted')) { return; } console.error(err); process.exit(1); });"
            + " process.stdin.resume(); require(cli);";

    private static final AtomicInteger TABLE_COUNTER = new AtomicInteger();
    private static LocalDynamoDb shared;

    private final Process process;
    private final URI endpoint;
    private final boolean isShared;
    private final Thread shutdownHook;
    private final DynamoDbClient client;
    private volatile boolean closed;

    private LocalDynamoDb(Process process, int port, boolean isShared) {
        this.process = process;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
        this.isShared = isShared;
        this.shutdownHook = new Thread(this::destroy, "local-dynamodb-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.client = clientBuilder().build();
    }

    /** Starts a server of its own; close it when done. Prefer {@link #shared()} unless the test stops it. */
    public static LocalDynamoDb start() {
        return launch(false);
    }

    /** The server shared by every test in this JVM, started on first use; {@link #close()} on it does nothing. */
    public static synchronized LocalDynamoDb shared() {
        if (shared == null || !shared.process.isAlive()) {
            shared = launch(true);
        }
        return shared;
    }

    /** The server's endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    /** A client owned by this server (do not close it); use {@link #clientBuilder()} for a client of your own. */
    public DynamoDbClient client() {
        return client;
    }

    /** A builder preconfigured for this server: endpoint, region us-east-1, credentials test/test. */
    public DynamoDbClientBuilder clientBuilder() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder());
    }

    Process process() {
        return process;
    }

    /** A table name no other caller in this JVM gets, e.g. {@code keys-17}. */
    public static String uniqueTableName(String prefix) {
        return prefix + "-" + TABLE_COUNTER.incrementAndGet();
    }

    /** Stops the server (and any process it started). Does nothing on the {@link #shared()} server. */
    @Override
    public void close() {
        if (isShared) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        client.close();
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook runs anyway
        }
    }

    private void destroy() {
        closed = true; // an exit from here on is ours, not a crash
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static LocalDynamoDb launch(boolean isShared) {
        Path cli = DynaliteInstall.cli();
        String lastOutput = "";
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freePort();
            Process process = startProcess(cli, port);
            OutputWatcher watcher = OutputWatcher.watch(process);
            try {
                watcher.ready.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LocalDynamoDb server = new LocalDynamoDb(process, port, isShared);
                // a server that dies under a test fails it with "Connection refused" and nothing else: say why
                process.onExit().thenAccept(p -> {
                    if (!server.closed) {
                        System.err.println("dynalite on port " + port + " exited with " + p.exitValue()
                                + " while in use; its last output:\n" + watcher.output());
                    }
                });
                return server;
            } catch (ExecutionException | TimeoutException e) {
                process.destroyForcibly();
                lastOutput = watcher.output();
                if (!lastOutput.contains("EADDRINUSE")) {
                    break; // another process taking the port between probe and bind is the only reason to retry
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting dynalite", e);
            }
        }
        throw new IllegalStateException(
                "dynalite did not start within " + STARTUP_TIMEOUT.toSeconds() + " s; its output:\n" + lastOutput);
    }

    private static Process startProcess(Path cli, int port) {
        String node = System.getProperty("spendgate.node", "node");
        try {
            return new ProcessBuilder(
                            node,
                            "-e",
                            EXIT_WITH_PARENT,
                            cli.toString(),
                            "--host",
                            "127.0.0.1",
                            "--port",
                            Integer.toString(port),
                            "--createTableMs",
                            "0",
                            "--deleteTableMs",
                            "0",
                            "--updateTableMs",
                            "0")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "could not run `" + node + "`: Node.js 20 or newer must be on the PATH"
                            + " (or set -Dspendgate.node=/path/to/node)",
                    e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** Drains the child's output (so it never blocks on a full pipe) and remembers its last lines. */
    private static final class OutputWatcher implements Runnable {
        private static final int KEPT_LINES = 40;
        private final Process process;
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final Deque<String> lastLines = new ArrayDeque<>();

        private OutputWatcher(Process process) {
            this.process = process;
        }

        static OutputWatcher watch(Process process) {
            OutputWatcher watcher = new OutputWatcher(process);
            Thread thread = new Thread(watcher, "dynalite-output-" + process.pid());
            thread.setDaemon(true);
            thread.start();
            return watcher;
        }

        @Override
        public void run() {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    remember(line);
                    if (line.contains(READY_LINE)) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("dynalite exited"));
        }

        private synchronized void remember(String line) {
            if (lastLines.size() == KEPT_LINES) {
                lastLines.removeFirst();
            }
            lastLines.addLast(line);
        }

        synchronized String output() {
            return String.join("\n", lastLines);
        }
    }
}
