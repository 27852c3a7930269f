package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.testing.upstream.Behavior;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Usage record", what survives a {@code kill -9} of the local gateway: "every record of a call whose answer was
 * complete ...; each call that was in flight (admitted and forwarded, never settled) is charged at its worst case at
 * the next start, with one record marked {@code reserved_worst_case}". Here the data directory has no budget: the
 * gateway is used to track spend only, the most common first set-up. The provider has the call (and bills it) when the
 * gateway is SIGKILLed; after a restart, {@code spendgate usage} must show the call, as it does when a budget applies
 * ({@link LocalGatewayKillMidCallIT}).
 */
class LocalGatewayKillMidCallNoBudgetReviewIT {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"stream\":%s,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the quarter in one line.\"}]}";

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
    }

    @AfterEach
    void tearDown() {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
        }
        upstream.close();
    }

    @Test
    void sigkillWhileTheProviderHoldsTheCall_noBudget_restartStillRecordsTheCall() throws Exception {
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(60)));
        start();
        CompletableFuture<HttpResponse<String>> inFlight =
                http.sendAsync(request(true), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 500 && upstream.requestCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(upstream.requestCount()).as("the provider has the call").isEqualTo(1);
        gateway.destroyForcibly(); // SIGKILL
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlight).failsWithin(Duration.ofSeconds(30));

        upstream.setDefaultBehavior(Behavior.defaults());
        start();
        stopGracefully();

        CliRun usage = CliRun.of("usage", "--data-dir", dir());
        assertThat(usage.code()).as(usage.err()).isZero();
        assertThat(usage.out())
                .as("spendgate usage after the restart: the provider received (and bills) one call")
                .contains("(1 calls,");
        assertThat(worstCaseRecords())
                .as("one record marked reserved_worst_case")
                .hasSize(1);
    }

    /**
     * README, what survives a SIGTERM (Ctrl-C): "everything: ... the stop waits up to 6 s more for running calls, a
     * non-streamed one still waiting for its provider included, to write their records". A provider slower than the
     * stop's waits (a long reasoning call) is still billing the call when the process exits.
     */
    @Test
    void sigtermWhileTheProviderHoldsTheCallPastTheStopsWaits_noBudget_restartStillRecordsTheCall() throws Exception {
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(30)));
        start();
        CompletableFuture<HttpResponse<String>> inFlight =
                http.sendAsync(request(false), HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 500 && upstream.requestCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(upstream.requestCount()).as("the provider has the call").isEqualTo(1);
        stopGracefully(); // SIGTERM: about 11 s of waits, then the process exits with the call still at the provider
        assertThat(gateway.exitValue()).as("a clean stop").isNotEqualTo(137);
        assertThat(inFlight).failsWithin(Duration.ofSeconds(30));

        upstream.setDefaultBehavior(Behavior.defaults());
        start();
        stopGracefully();

        CliRun usage = CliRun.of("usage", "--data-dir", dir());
        assertThat(usage.code()).as(usage.err()).isZero();
        assertThat(usage.out())
                .as("spendgate usage after the stop and a restart: the provider received (and bills) one call")
                .contains("(1 calls,");
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
