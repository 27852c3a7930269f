package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} in its own process with its data directory on a real disk that fills up (a 4 MiB tmpfs
 * mounted for the test; skipped where the test may not mount one). README, what survives a full disk: "while it fails,
 * the call already answered keeps its record in memory and new calls are refused with 503 usage_log_unavailable
 * (nothing forwarded) until a retry succeeds". So once the gateway has refused a call for its journal, the provider
 * gets nothing more until space returns.
 */
class LocalGatewayFullDiskIT {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";

    @TempDir
    Path mountPoint;

    private boolean mounted;
    private FakeLlmUpstream upstream;
    private Process gateway;
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
    }

    @AfterEach
    void tearDown() throws Exception {
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
    void fullDisk_afterTheFirstRefusal_nothingMoreIsForwardedUntilSpaceReturns() throws Exception {
        start();
        HttpResponse<String> first = http.send(request(), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        Path filler = fillDisk(mountPoint.resolve("filler.bin"));
        // Calls one after another, over about three of the gateway's once-a-second flushes: the first ones may still
        // fit in the journal's last page; once one is refused for the journal, none may reach the provider.
        List<Integer> statuses = new ArrayList<>();
        int forwardedAtFirstRefusal = -1;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (System.nanoTime() < end) {
            HttpResponse<String> r = http.send(request(), HttpResponse.BodyHandlers.ofString());
            statuses.add(r.statusCode());
            if (r.statusCode() == 503 && forwardedAtFirstRefusal < 0) {
                assertThat(r.body()).contains("usage journal");
                forwardedAtFirstRefusal = upstream.requestCount();
            }
            Thread.sleep(50);
        }
        int forwardedWhileFull = upstream.requestCount();
        Files.delete(filler);

        assertThat(forwardedAtFirstRefusal)
                .as("a call was refused for the journal: " + statuses)
                .isPositive();
        assertThat(forwardedWhileFull)
                .as("calls forwarded after the first 503 while the disk was still full; statuses " + statuses)
                .isEqualTo(forwardedAtFirstRefusal);
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

    private HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
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

    private String dir() {
        return mountPoint.resolve("data").toString();
    }
}
