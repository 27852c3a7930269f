package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} in its own process, SIGKILLed while it creates an Anthropic Message Batch: the provider
 * has created the batch (and will run and bill it), the gateway has not yet stored its creator
 * ({@code BatchStore.saveCreator}). The moment is found with a debugger breakpoint (JDWP), as in
 * {@link LocalGatewayKillBeforeRecordReviewIT}.
 *
 * <p>README "Batches", Budgets: "When the results are recorded their actual cost is added to the creator's budgets as
 * spend"; and the brief: durable before done, a call the provider billed is a call recorded. The admission's
 * reservation names no call, so the restart releases it; no creator is stored, so the gateway's batch sweeper never
 * looks at the batch and a fetch of its results through Spendgate is refused as another key's. The batch the
 * provider billed is in neither the usage log nor the budget.
 */
class LocalGatewayKillBatchCreateReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BATCH = "{\"requests\":["
            + "{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}},"
            + "{\"custom_id\":\"doc-2\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 2\"}]}}]}";

    @TempDir
    Path dataDir;

    private FakeBatchUpstream upstream;
    private Process gateway;
    private VirtualMachine debugger;
    private int port;
    private String secret;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeEach
    void setUp() {
        upstream = FakeBatchUpstream.start();
        CliRun created = CliRun.of("keys", "create", "--name", "batch", "--environment", "dev", "--data-dir", dir());
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
                "5",
                "--mode",
                "block",
                "--data-dir",
                dir());
        assertThat(budget.code()).as(budget.err()).isZero();
    }

    @AfterEach
    void tearDown() {
        if (debugger != null) {
            try {
                debugger.dispose();
            } catch (RuntimeException e) {
                // the debuggee is gone
            }
        }
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
        }
        upstream.close();
    }

    @Test
    void sigkillAfterTheProviderCreatedTheBatch_restartStillRecordsAndChargesIt() throws Exception {
        int debugPort = freePort();
        start("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + debugPort);
        debugger = attach(debugPort);
        List<ReferenceType> store = debugger.classesByName("dev.spendgate.function.proxy.batch.BatchStore");
        assertThat(store).as("the batch store is loaded at start").isNotEmpty();
        Method saveCreator = store.get(0).methodsByName("saveCreator").get(0);
        BreakpointRequest atSave = debugger.eventRequestManager().createBreakpointRequest(saveCreator.location());
        atSave.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        atSave.enable();

        Thread client = new Thread(() -> {
            try {
                http.send(anthropic("POST", "/v1/messages/batches", BATCH), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                // the gateway was killed before it answered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        client.setDaemon(true);
        client.start();
        assertThat(waitForBreakpoint()).as("the provider created the batch").isTrue();
        gateway.destroyForcibly(); // SIGKILL: the batch exists at the provider, its creator is not stored
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        client.join(10_000);
        debugger = null;

        // the provider runs the batch and bills it: 2 x (20,000 in, 2,000 out) on claude-sonnet-4-5 at batch rates
        JsonNode atProvider = JSON.readTree(http.send(
                        HttpRequest.newBuilder(URI.create(upstream.anthropicBaseUrl() + "/v1/messages/batches"))
                                .header("x-api-key", FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY)
                                .header("anthropic-version", "2023-06-01")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        assertThat(atProvider.get("data")).as("batches at the provider").hasSize(1);
        String batchId = atProvider.get("data").get(0).get("id").asText();
        upstream.completeAnthropic(batchId, 20_000, 0, 2_000);

        start();
        // the client learns the batch's id (the provider's console) and asks Spendgate for its results
        HttpResponse<String> results = http.send(
                anthropic("GET", "/v1/messages/batches/" + batchId + "/results", null),
                HttpResponse.BodyHandlers.ofString());
        stopGracefully();
        java.math.BigDecimal spent =
                FileBudgetLedger.readSnapshot(dataDir.resolve("budgets").resolve("ledger.json")).values().stream()
                        .map(BudgetState::spent)
                        .reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add);

        Map<String, UsageRecord> records = records();
        assertThat(records.values())
                .as("usage records of batch " + batchId + ", which the provider ran and billed ($0.09 at batch"
                        + " rates); its results fetched through Spendgate: " + results.statusCode() + " "
                        + results.body() + "; the budget's spent: $" + spent.toPlainString())
                .filteredOn(r -> batchId.equals(r.billing().batchId()))
                .hasSize(2);
        assertThat(spent).as("the budget counts the batch").isPositive();
    }

    private HttpRequest anthropic(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("x-api-key", secret)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .header("X-Cost-Feature", "nightly-summaries")
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private boolean waitForBreakpoint() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            EventSet events = debugger.eventQueue().remove(1000);
            if (events == null) {
                continue;
            }
            for (Event event : events) {
                if (event instanceof BreakpointEvent) {
                    return true; // that thread stays suspended
                }
            }
            events.resume();
        }
        return false;
    }

    private static VirtualMachine attach(int debugPort) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach"))
                .findFirst()
                .orElseThrow();
        Map<String, Connector.Argument> args = socket.defaultArguments();
        args.get("hostname").setValue("127.0.0.1");
        args.get("port").setValue(Integer.toString(debugPort));
        return socket.attach(args);
    }

    /** The records as readers see them: one per request id. */
    private Map<String, UsageRecord> records() {
        Map<String, UsageRecord> found = new java.util.TreeMap<>();
        Instant now = Instant.now();
        UsageLogReader.create(new FileSystemObjectStore(dataDir))
                .read(
                        now.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS),
                        now.plus(1, ChronoUnit.DAYS),
                        r -> found.put(r.requestId(), r));
        return found;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private void start(String... jvmOptions) throws Exception {
        port = freePort();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(javaBin.toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SpendgateCli.class.getName(),
                "local",
                "--port",
                Integer.toString(port),
                "--data-dir",
                dir()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SPENDGATE_ANTHROPIC_BASE_URL", upstream.anthropicBaseUrl());
        pb.environment().put("ANTHROPIC_API_KEY", FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY);
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
