package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code ./spendgate local} in its own process, SIGKILLed at a chosen moment: after the call's budget settlement is in
 * the ledger's journal and before its usage record reaches the usage journal. The moment is found with a debugger
 * breakpoint (JDWP) on the usage log's append, so the kill is not left to timing.
 *
 * <p>README "A call that never settled...": "Locally the record and the settlement are made durable before the
 * answer's last byte leaves, so an answered call always has both"; "Usage record", what survives a {@code kill -9}:
 * "every record of a call whose answer was complete, and the settled spend of every budget; each call that was in
 * flight ... is charged at its worst case at the next start, with one record". And the brief: a call answered is a
 * call recorded. The provider answered and billed this call, the client read its whole stream, and the budget counts
 * its cost after the restart, so the usage log (what {@code spendgate usage}, the reports and the FOCUS export read)
 * must hold one record for it: its own or the worst-case estimate the deployed sweeper writes for a settled call whose
 * record died with the process (README: "the same after the settlement, while the record is on its way: the settled
 * spend and one record"). The gateway holds the stream's last events until the call is concluded, so the client saw
 * its 200 and the stream's start, then a cut stream.
 */
class LocalGatewayKillBeforeRecordReviewIT {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":200,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";

    @TempDir
    Path dataDir;

    private FakeLlmUpstream upstream;
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
    void sigkillAfterTheSettlementBeforeTheRecord_restartStillHasOneRecordForTheCall() throws Exception {
        int debugPort = freePort();
        start("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + debugPort);
        debugger = attach(debugPort);
        ReferenceType usageLog = debugger.classesByName("dev.spendgate.domain.usage.UsageLogWriter")
                .get(0);
        Method append = usageLog.methodsByName(
                        "append", "(Ldev/spendgate/domain/usage/UsageRecord;Ljava/lang/Runnable;)V")
                .get(0);
        BreakpointRequest atAppend = debugger.eventRequestManager().createBreakpointRequest(append.location());
        atAppend.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        atAppend.enable();

        // the provider streams its pieces apart, as a model generates them: the gateway relays the first ones at once.
        // Sent back to back, the whole answer can arrive in one read, and the gateway, which holds a stream's last
        // events until its call is concluded, sends nothing before the record's append this test stops at.
        upstream.enqueue(Behavior.defaults().withPieceCount(6).withPieceDelay(Duration.ofMillis(150)));
        HttpResponse<InputStream> answer = http.send(request(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(answer.statusCode()).isEqualTo(200);
        String requestId = answer.headers().firstValue("X-Spendgate-Request-Id").orElseThrow();
        List<String> read = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(answer.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (read) {
                        read.add(line);
                    }
                }
            } catch (IOException e) {
                // the gateway was killed before the stream's last chunk
            }
        });
        reader.setDaemon(true);
        reader.start();

        assertThat(waitForBreakpoint()).as("the call reached its usage record").isTrue();
        gateway.destroyForcibly(); // SIGKILL: the settlement is in the ledger's journal, the record in no journal
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(10_000);
        synchronized (read) {
            assertThat(read)
                    .as("the client was answered 200 and read the stream's first event")
                    .anyMatch(l -> l.startsWith("data: {"));
        }

        debugger = null;
        start();
        BudgetState global = globalItem();
        assertThat(global.spent())
                .as("the restarted gateway counts the call's cost")
                .isPositive();
        assertThat(global.reserved()).isZero();
        assertThat(upstream.requestCount())
                .as("the provider answered (and billed) the call")
                .isEqualTo(1);
        stopGracefully();

        Map<String, UsageRecord> records = records();
        assertThat(records)
                .as("usage records after the restart; the budget has spent $"
                        + global.spent().toPlainString())
                .containsKey(requestId);
        assertThat(records.values().stream()
                        .map(UsageRecord::costUsd)
                        .filter(c -> c != null)
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .as("what spendgate usage totals, against the budget's spent figure")
                .isGreaterThanOrEqualTo(global.spent());
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

    private BudgetState globalItem() {
        var items = FileBudgetLedger.readSnapshot(dataDir.resolve("budgets").resolve("ledger.json"));
        assertThat(items).as("ledger items").hasSize(1);
        return items.values().iterator().next();
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

    private HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                .build();
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
