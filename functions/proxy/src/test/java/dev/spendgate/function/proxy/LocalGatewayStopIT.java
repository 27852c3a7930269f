package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.Behavior;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} stopping (Ctrl-C: {@code server.stop(grace)} then {@code runtime.close()}) while calls run:
 * each call that reached the provider is in the usage log, saying how it ended.
 */
class LocalGatewayStopIT {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final String STREAMED_CHAT = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly to ten.\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (gw != null) {
            gw.close();
        }
    }

    /** A stream relayed past the grace period is cut: recorded as server_stopped, its output estimated. */
    @Test
    @Timeout(60)
    void streamPastTheGracePeriod_recordedAsServerStopped() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));
        try (Socket s = send(STREAMED_CHAT)) {
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data:")) {
                seen.append((char) in.read());
            }
            String requestId = requestId(seen);
            long start = System.nanoTime();
            server.stop(1);
            server = null;
            gw.runtime.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            List<UsageRecord> stored = stored();
            assertThat(stored).extracting(UsageRecord::requestId).containsExactly(requestId);
            assertThat(stored.get(0).errorType()).isEqualTo("server_stopped");
            assertThat(stored.get(0).usageSource()).isEqualTo(UsageSource.ESTIMATED);
            assertThat(stored.get(0).tokens().outputTokens()).isPositive().isLessThan(400);
        }
    }

    /**
     * A call whose provider answers after the grace period, within the stop's wait for running calls: the client gets
     * its answer and the call its record.
     */
    @Test
    @Timeout(60)
    void nonStreamedCallAnsweredAfterTheGracePeriod_answeredAndRecorded() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(3)));
        try (Socket s = send(CHAT)) {
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "[" + e + "]";
                }
            });
            while (gw.upstream.requestCount() == 0) {
                Thread.sleep(10);
            }
            server.stop(1);
            server = null;
            gw.runtime.close();
            String wire = answer.get();
            assertThat(wire).startsWith("HTTP/1.1 200");
            assertThat(stored()).extracting(UsageRecord::requestId).containsExactly(requestId(wire));
            assertThat(stored().get(0).errorType()).isNull();
        }
    }

    private Socket send(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(15_000);
        s.getOutputStream()
                .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + gw.secret
                                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                + "\r\nConnection: close\r\n\r\n" + json)
                        .getBytes(StandardCharsets.UTF_8));
        return s;
    }

    private static String requestId(CharSequence wire) {
        Matcher m =
                Pattern.compile("(?i)" + Gateway.REQUEST_ID_HEADER + ": (\\S+)").matcher(wire);
        assertThat(m.find()).as("a request id in " + wire).isTrue();
        return m.group(1);
    }

    private List<UsageRecord> stored() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(gw.store).read(now.minus(Duration.ofDays(1)), now.plus(Duration.ofHours(1)), out::add);
        return out;
    }
}
