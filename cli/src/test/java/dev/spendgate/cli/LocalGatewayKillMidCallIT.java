package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.IOException;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} in its own process, SIGKILLed while a call is in flight: the provider has the request and
 * holds its answer, so it may bill the call, but the gateway never settles it. Killed the moment the provider has the
 * request (before the once-a-second flush of the budget files), restarted on the same data directory: the call's worst
 * case is spent (not released), it has exactly one usage record marked as a worst-case estimate, a call whose worst
 * case no longer fits is refused with 429, and a further restart changes nothing.
 */
class LocalGatewayKillMidCallIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"stream\":%s,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";
    /** One call's worst case (about $0.0006 of output at gpt-4o-mini's $0.60/M) fits once, not twice. */
    private static final BigDecimal LIMIT = new BigDecimal("0.001");

    @TempDir
    Path dataDir;

    private FakeLlmUpstream upstream;
    private Process gateway;
    private int port;
    private String secret;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeEach
    void setUp() {
        upstream = FakeLlmUpstream.start();
        CliRun created = CliRun.of("keys", "create", "--name", "kill", "--environment", "dev", "--data-dir", dir());
        Matcher m = Pattern.compile("(sg-[A-Za-z0-9_-]+)").matcher(created.out());
        assertThat(m.find()).as(created.out() + created.err()).isTrue();
        secret = m.group(1);
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
    }

    @AfterEach
    void tearDown() {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
        }
        upstream.close();
    }

    @Test
    void sigkillWhileTheProviderHoldsTheCall_restartChargesTheWorstCaseOnceAndRefusesWhatNoLongerFits()
            throws Exception {
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(60)));
        start();
        CompletableFuture<HttpResponse<String>> inFlight =
                http.sendAsync(request(true), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 500 && upstream.requestCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(upstream.requestCount()).as("the provider has the call").isEqualTo(1);
        gateway.destroyForcibly(); // SIGKILL at once: the budget files were not flushed since the call was admitted
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(inFlight).failsWithin(Duration.ofSeconds(30));

        // What the killed gateway left: the admitted call's entry, appended before it was forwarded.
        JsonNode admitted = onlyAdmittedEntry();
        BigDecimal worstCase = new BigDecimal(admitted.path("amount").asText());
        String requestId = admitted.path("call").path("requestId").asText();
        assertThat(worstCase).as("max_tokens 1000 at $0.60/M at least").isGreaterThan(new BigDecimal("0.0006"));
        assertThat(worstCase.multiply(BigDecimal.valueOf(2))).isGreaterThan(LIMIT);

        upstream.setDefaultBehavior(Behavior.defaults());
        start();
        BudgetState charged = globalItem();
        assertThat(charged.spent()).as("the worst case is spent, not released").isEqualByComparingTo(worstCase);
        assertThat(charged.reserved()).isZero();
        HttpResponse<String> next = http.send(request(false), HttpResponse.BodyHandlers.ofString());
        assertThat(next.statusCode()).as(next.body()).isEqualTo(429);
        assertThat(upstream.requestCount())
                .as("the refused call was not forwarded")
                .isEqualTo(1);
        stopGracefully();

        List<UsageRecord> estimates = worstCaseRecords();
        assertThat(estimates).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(requestId);
            assertThat(r.costBasis()).isEqualTo(UsageRecord.CostBasis.RESERVED_WORST_CASE);
            assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
            assertThat(r.errorType()).isEqualTo("unsettled");
            assertThat(r.schemaVersion()).isEqualTo(4);
            assertThat(r.costUsd()).isEqualByComparingTo(worstCase);
            assertThat(r.modelServed()).isEqualTo("gpt-4o-mini");
            assertThat(r.stream()).isTrue();
        });

        start(); // a second restart finds nothing left to charge
        assertThat(globalItem().spent()).isEqualByComparingTo(worstCase);
        stopGracefully();
        assertThat(worstCaseRecords()).hasSize(1);
        assertThat(globalItem().spent()).isEqualByComparingTo(worstCase);
    }

    @Test
    void sigkillAfterCallsSettled_restartChargesNothing() throws Exception {
        // The provider answers after 1.5 s, so a once-a-second flush writes the call's reservation to the files while
        // it is in flight, and the kill comes before the flush after its settlement: the restart must give it back
        // in the files too, before it serves (what `spendgate budgets` reads).
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofMillis(1500)));
        start();
        HttpResponse<String> answered = http.send(request(false), HttpResponse.BodyHandlers.ofString());
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        gateway.destroyForcibly(); // within the second: the settled call's entry may still be in the journal's log
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        BigDecimal settled = spentOnLedgerAfterRestart();

        assertThat(settled).as("the settled cost, not the worst case").isLessThan(new BigDecimal("0.0006"));
        assertThat(settled).isPositive();
        stopGracefully();
        assertThat(worstCaseRecords()).isEmpty();
    }

    private BigDecimal spentOnLedgerAfterRestart() throws Exception {
        start();
        BudgetState item = globalItem();
        assertThat(item.reserved()).isZero();
        return item.spent();
    }

    /** The one open entry the killed gateway left: in its journal's log, or in the file if a flush came first. */
    private JsonNode onlyAdmittedEntry() throws IOException {
        java.util.Map<String, JsonNode> entries = new java.util.TreeMap<>();
        Path budgets = dataDir.resolve("budgets");
        Path file = budgets.resolve("reservations.json");
        if (Files.exists(file)) {
            JSON.readTree(file.toFile())
                    .path("reservations")
                    .properties()
                    .forEach(e -> entries.put(e.getKey(), e.getValue()));
        }
        Path log = budgets.resolve("reservations.json.journal");
        try (Stream<Path> files = Files.list(log)) {
            for (Path segment : files.sorted().toList()) {
                for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        JsonNode entry = JSON.readTree(line);
                        entries.put(entry.path("id").asText(), entry);
                    }
                }
            }
        }
        assertThat(entries).as("open entries in " + budgets).hasSize(1);
        return entries.values().iterator().next();
    }

    private BudgetState globalItem() {
        var items = FileBudgetLedger.readSnapshot(dataDir.resolve("budgets").resolve("ledger.json"));
        assertThat(items).as("ledger items").hasSize(1);
        return items.values().iterator().next();
    }

    private List<UsageRecord> worstCaseRecords() {
        List<UsageRecord> found = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(new FileSystemObjectStore(dataDir))
                .read(now.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.DAYS), r -> {
                    if (r.worstCaseEstimate()) {
                        found.add(r);
                    }
                });
        return found;
    }

    private HttpRequest request(boolean stream) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(String.format(CHAT, stream)))
                .build();
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
    }

    private void stopGracefully() throws InterruptedException {
        gateway.destroy(); // SIGTERM
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private String dir() {
        return dataDir.toString();
    }
}
