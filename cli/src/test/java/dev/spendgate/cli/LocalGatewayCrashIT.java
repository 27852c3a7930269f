package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local gateway as an operator runs it, in its own process: killed with SIGKILL in the middle of concurrent calls
 * (half of them streamed) under a block budget, or stopped with SIGTERM while its usage store fails, then started
 * again. Every call the client saw complete has exactly one usage record, and the budget's settled spend is the
 * records' spend, so the restarted gateway does not admit money it already spent.
 */
class LocalGatewayCrashIT {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":40,\"stream\":%s,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";
    private static final BigDecimal LIMIT = new BigDecimal("0.02");
    private static final int CONNECTIONS = 16;

    @TempDir
    Path dataDir;

    private FakeLlmUpstream upstream;
    private Process gateway;
    private int port;
    private long duplicates;
    private String secret;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newFixedThreadPool(4))
            .build();

    @BeforeEach
    void setUp() {
        upstream = FakeLlmUpstream.start();
        // ~60 ms per call, so calls are in flight when the gateway dies
        upstream.setDefaultBehavior(
                Behavior.defaults().withInputTokens(120).withPieceCount(8).withPieceDelay(Duration.ofMillis(8)));
        CliRun created = CliRun.of("keys", "create", "--name", "crash", "--environment", "dev", "--data-dir", dir());
        Matcher m = Pattern.compile("(sg-[A-Za-z0-9_-]+)").matcher(created.out());
        assertThat(m.find()).as(created.out() + created.err()).isTrue();
        secret = m.group(1);
    }

    @AfterEach
    void tearDown() {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
        }
        upstream.close();
    }

    @Test
    void sigkillMidLoad_everyCompletedCallRecordedOnce_andBudgetNotAdmittedTwice() throws Exception {
        CliRun budget = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "global",
                "--period",
                "daily",
                "--limit-usd",
                LIMIT.toPlainString(),
                "--mode",
                "block",
                "--data-dir",
                dir());
        assertThat(budget.code()).as(budget.err()).isZero();

        start();
        Load first = drive(Duration.ofMillis(1500), false);
        for (int i = 0; i < 100 && first.completed.size() <= 20; i++) {
            Thread.sleep(100); // a slow machine: kill once enough calls completed, never before
        }
        gateway.destroyForcibly().waitFor(); // SIGKILL, calls in flight
        assertThat(first.completed).as(first.toString()).hasSizeGreaterThan(20);

        start();
        Load second = drive(Duration.ofSeconds(20), true); // until the budget refuses
        stopGracefully();

        Map<String, List<UsageRecord>> records = records();
        assertThat(duplicates).as("records delivered twice").isZero();
        for (String id : first.completed.keySet()) {
            assertThat(records.get(id)).as("record of completed call " + id).hasSize(1);
        }
        for (String id : second.completed.keySet()) {
            assertThat(records.get(id)).as("record of completed call " + id).hasSize(1);
        }
        assertThat(second.refused.get())
                .as("the budget refused calls after the restart")
                .isPositive();

        BigDecimal recorded = records.values().stream()
                .map(list -> list.get(0).costUsd())
                .filter(c -> c != null)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal settled = spentToday();
        // The record comes first, then the settlement: a call killed in between (or in flight) is charged at its
        // worst case at the restart, so the two differ by at most the worst cases of the calls in flight at the kill.
        assertThat(settled).isGreaterThanOrEqualTo(recorded);
        assertThat(settled.subtract(recorded))
                .isLessThanOrEqualTo(estimateCeiling().multiply(BigDecimal.valueOf(CONNECTIONS)));
        // The money spent before the kill counted after the restart: never more than the limit in all.
        assertThat(recorded).isLessThanOrEqualTo(LIMIT);
        assertThat(settled).isLessThanOrEqualTo(LIMIT);
    }

    @Test
    void sigtermWhileStoreAndSpoolFail_recordsSurviveAndAreDeliveredOnceAtNextStart() throws Exception {
        start();
        // The usage store and the spool stop working: a file where each expects a directory.
        replaceWithFile(dataDir.resolve("usage"));
        replaceWithFile(dataDir.resolve("spool"));
        Load load = drive(Duration.ofMillis(800), false);
        assertThat(load.completed).as(load.toString()).isNotEmpty();
        stopGracefully(); // SIGTERM: the flush fails, the records stay in the journal

        Files.delete(dataDir.resolve("usage"));
        Files.delete(dataDir.resolve("spool"));
        start(); // delivers the journal
        stopGracefully();

        Map<String, List<UsageRecord>> records = records();
        assertThat(duplicates).as("records delivered twice").isZero();
        for (String id : load.completed.keySet()) {
            assertThat(records.get(id)).as("record of completed call " + id).hasSize(1);
        }
        assertThat(records.size()).isGreaterThanOrEqualTo(load.completed.size());
    }

    private void start() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                        javaBin.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpendgateCli.class.getName(),
                        "local",
                        "--port",
                        Integer.toString(port),
                        "--data-dir",
                        dir())
                .redirectErrorStream(true);
        pb.environment().put("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl());
        pb.environment().put("OPENAI_API_KEY", upstream.openAiKey());
        gateway = pb.start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("Spendgate listening")) {
                break;
            }
        }
        assertThat(line).as("gateway did not start:\n" + seen).isNotNull();
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(Writer.nullWriter());
            } catch (IOException e) {
                // the process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        Load warmUp = new Load(); // the first call loads the tokenizer and the pricing catalog
        call(false, warmUp);
        assertThat(warmUp.completed).as("warm-up call: " + warmUp).hasSize(1);
    }

    private void stopGracefully() throws InterruptedException {
        gateway.destroy(); // SIGTERM
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Calls from {@link #CONNECTIONS} clients, half streamed, for {@code duration} (or until refused). */
    private Load drive(Duration duration, boolean untilRefused) throws Exception {
        Load load = new Load();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            boolean stream = c % 2 == 0;
            running.add(clients.submit(() -> {
                while (!stop.get()) {
                    if (!call(stream, load)) {
                        return null;
                    }
                    if (untilRefused && load.refused.get() >= CONNECTIONS) {
                        stop.set(true);
                    }
                }
                return null;
            }));
        }
        clients.shutdown();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end && !stop.get()) {
            Thread.sleep(20);
        }
        if (!untilRefused) {
            return load; // the caller kills the gateway under this load; the clients end on their own
        }
        stop.set(true);
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        return load;
    }

    /** One call; false when the gateway is gone. A complete answer is counted with its request id and cost. */
    private boolean call(boolean stream, Load load) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(String.format(CHAT, stream)))
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            load.count("send failed: " + e);
            return gateway.isAlive(); // a refused connection of a live gateway is retried; a killed one ends the client
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        String id = response.headers().firstValue("X-Spendgate-Request-Id").orElse(null);
        String body;
        try (InputStream in = response.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            load.incomplete.incrementAndGet(); // cut: the client knows this call failed
            return false;
        }
        if (response.statusCode() == 429) {
            load.refused.incrementAndGet();
            return true;
        }
        if (response.statusCode() != 200 || (stream && !body.contains("[DONE]"))) {
            load.count(response.statusCode() + " " + body.substring(0, Math.min(200, body.length())));
            load.incomplete.incrementAndGet();
            return true;
        }
        load.completed.put(id, Boolean.TRUE);
        return true;
    }

    /** An upper bound of one call's cost here, for the settled-versus-recorded slack. */
    private static BigDecimal estimateCeiling() {
        // 120 input + framing at $0.15/M, 40 output at $0.60/M on gpt-4o-mini, rounded up
        return new BigDecimal("0.00005");
    }

    private Map<String, List<UsageRecord>> records() {
        Map<String, List<UsageRecord>> byId = new HashMap<>();
        Instant now = Instant.now();
        duplicates = UsageLogReader.create(new FileSystemObjectStore(dataDir))
                .read(
                        now.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS),
                        now.plus(1, ChronoUnit.DAYS),
                        r -> byId.computeIfAbsent(r.requestId(), k -> new ArrayList<>())
                                .add(r))
                .duplicates();
        return byId;
    }

    private BigDecimal spentToday() {
        return FileBudgetLedger.readSnapshot(dataDir.resolve("budgets").resolve("ledger.json")).values().stream()
                .map(BudgetState::spent)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static void replaceWithFile(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .forEach(p -> p.toFile().delete());
            }
        }
        Files.writeString(dir, "not a directory");
    }

    private String dir() {
        return dataDir.toString();
    }

    private static final class Load {
        final Map<String, Boolean> completed = new ConcurrentHashMap<>();
        final AtomicInteger incomplete = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

        void count(String outcome) {
            outcomes.computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public String toString() {
            return "outcomes " + outcomes;
        }
    }
}
