package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} with its data directory on a real disk that fills up (a 4 MiB tmpfs mounted for the test;
 * skipped where it may not be mounted), SIGKILLed at a chosen moment found with a debugger breakpoint (JDWP).
 *
 * <p>README, what survives a full disk: "A budget settlement made on a full disk is counted at once and journaled with
 * the ledger's next write that succeeds; the call is not charged again at a later start". And the brief: a budget never
 * admits money already spent. Here the disk fills while the provider holds an admitted call; the call is answered and
 * settled in memory (its ledger journal line pending). Then space returns and the once-a-second flush writes the
 * reservation journal's file, which no longer names the call, and is killed before it reaches the ledger (in real life
 * any SIGKILL, OOM kill or crash in that moment). Neither the ledger's file, nor its journal, nor the reservation
 * journal now holds the call: after the restart the budget has spent nothing for a call the provider billed.
 */
class LocalGatewayFullDiskSettlementReviewIT {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":200,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";

    @TempDir
    Path mountPoint;

    private boolean mounted;
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
    void setUp() throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true)
                .start();
        mounted = mount.waitFor(20, TimeUnit.SECONDS) && mount.exitValue() == 0;
        assumeTrue(mounted, "needs a tmpfs mount (root) to fill a real disk");
        upstream = FakeLlmUpstream.start();
        CliRun created = CliRun.of("keys", "create", "--name", "full", "--environment", "dev", "--data-dir", dir());
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
    void tearDown() throws Exception {
        if (debugger != null) {
            try {
                debugger.dispose();
            } catch (RuntimeException e) {
                // the debuggee is gone
            }
        }
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
            gateway.waitFor(30, TimeUnit.SECONDS);
        }
        if (upstream != null) {
            upstream.close();
        }
        if (mounted) {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void settledOnAFullDisk_killedBetweenTheTwoFlushesOnceSpaceReturns_restartStillCountsTheCall() throws Exception {
        int debugPort = freePort();
        start("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:" + debugPort);
        debugger = attach(debugPort);

        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(3)));
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request(), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 500 && upstream.requestCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(upstream.requestCount())
                .as("the provider has the admitted call")
                .isEqualTo(1);
        Path filler = fillDisk(mountPoint.resolve("filler.bin"));
        HttpResponse<String> answered = call.get(30, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        Thread.sleep(1500); // flushes fail meanwhile: the disk is still full

        ReferenceType ledger = debugger.classesByName("dev.spendgate.embedded.FileBudgetLedger")
                .get(0);
        Method flush = ledger.methodsByName("flush", "()V").get(0);
        BreakpointRequest atLedgerFlush = debugger.eventRequestManager().createBreakpointRequest(flush.location());
        atLedgerFlush.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        atLedgerFlush.enable();
        Files.delete(filler); // space returns
        assertThat(waitForBreakpoint())
                .as("the reservation journal's flush succeeded and the ledger's is next")
                .isTrue();
        gateway.destroyForcibly(); // SIGKILL
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        debugger = null;

        start();
        BudgetState global = globalItem();
        stopGracefully();
        assertThat(global.spent())
                .as("the answered call's cost (or its worst case) is spent after the restart")
                .isPositive();
    }

    /** Writes {@code file} until the filesystem refuses more (ENOSPC). */
    private static Path fillDisk(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
        return file;
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

    /** The global budget's item; empty when the ledger holds none (nothing spent or reserved). */
    private BudgetState globalItem() {
        var items =
                FileBudgetLedger.readSnapshot(Path.of(dir()).resolve("budgets").resolve("ledger.json"));
        assertThat(items).as("ledger items").hasSizeLessThanOrEqualTo(1);
        return items.isEmpty() ? BudgetState.EMPTY : items.values().iterator().next();
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
        return mountPoint.resolve("data").toString();
    }
}
