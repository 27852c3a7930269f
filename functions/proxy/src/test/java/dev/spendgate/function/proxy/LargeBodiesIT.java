package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large request bodies against the real gateway on its real server, with {@code SPENDGATE_BODY_MEMORY_BYTES} at 8 MB:
 * clients sending more than the pool holds get a quick 503 instead of taking the memory others need, a
 * body whose JSON tree would not fit gets 413, and normal calls are served throughout.
 */
class LargeBodiesIT {
    private static final int MB = 1024 * 1024;
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;
    final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_MAX_BODY_BYTES", String.valueOf(4 * MB),
                        "SPENDGATE_BODY_MEMORY_BYTES", String.valueOf(8 * MB)));
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(5_000, 20_000, 20_000));
    }

    @AfterEach
    void stop() {
        server.stop(0);
        gw.close();
    }

    /** A chat whose user message is {@code chars} long, as a client would send it. */
    private static String chatOf(int chars) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(chars)
                + "\"}]}";
    }

    private String head(long contentLength) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.secret
                + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    @Test
    @Timeout(60)
    void largeBodiesSent_pastThePool_get503AtOnce_normalCallsServed_poolGivenBackAfter() throws Exception {
        String body = chatOf(3 * MB);
        List<Socket> senders = new ArrayList<>();
        List<String> quick = new ArrayList<>();
        try {
            int resetWhileSending = 0;
            List<Socket> reading = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                senders.add(s);
                try {
                    send(s, head(body.length()) + body.substring(0, 5 * MB / 2)); // then nothing more for now
                    reading.add(s);
                } catch (IOException e) {
                    // refused and closed while this client was still sending (its 503 may be lost with the reset)
                    resetWhileSending++;
                }
            }
            for (Socket s : reading) {
                quick.add(readToClose(s, 1_000));
            }
            assertServing();

            // 8 MB holds two of these bodies (2.5 MB sent, buffers grown to the 3 MB declared): the others are
            // refused at once, not left holding the memory others need
            List<String> refused =
                    quick.stream().filter(a -> a.startsWith("HTTP/1.1 503")).toList();
            assertThat(refused.size() + resetWhileSending).isGreaterThanOrEqualTo(4);
            assertThat(refused).isNotEmpty();
            assertThat(refused.get(0))
                    .containsIgnoringCase("Retry-After: 1")
                    .contains("\"param\":\"body\"")
                    .endsWith("<closed>");
            assertThat(quick.stream().filter(a -> a.endsWith("<open>"))).hasSizeGreaterThanOrEqualTo(1);
        } finally {
            for (Socket s : senders) {
                s.close();
            }
        }

        // the senders that went away give their memory back once the server has seen them go (a read that fails on
        // the closed connection, on a thread of its own): then two full 3 MB calls are served one after the other
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (gw.runtime.gateway().bodyMemory().inUse() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(gw.runtime.gateway().bodyMemory().inUse())
                .as("pool in use after the senders left")
                .isZero();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> call = post(body);
            assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        }
    }

    @Test
    @Timeout(30)
    void bodyWhoseTreeWouldNotFit_refused413OnBody_nothingForwarded() throws Exception {
        StringBuilder body = new StringBuilder(
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":[{}");
        body.append(",{}".repeat(400_000)); // 1.2 MB of body, about 36 MB of JSON tree
        body.append("]}");
        int before = gw.upstream.requestCount();

        HttpResponse<String> call = post(body.toString());

        assertThat(call.statusCode()).isEqualTo(413);
        assertThat(call.body()).contains("\"param\":\"body\"").contains("SPENDGATE_BODY_MEMORY_BYTES");
        assertThat(gw.upstream.requestCount()).isEqualTo(before);
        assertServing();
    }

    @Test
    @Timeout(60)
    void bodiesBarelyStarted_holdWhatTheyHaveSent_notWhatTheyDeclare() throws Exception {
        // two clients declare 4 MB bodies and send 70 KB of them: 140 KB arrived in all
        String declared = chatOf(4 * MB - 1024);
        List<Socket> senders = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                send(s, head(declared.length()) + declared.substring(0, 70 * 1024));
                senders.add(s);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (gw.runtime.gateway().bodyMemory().inUse() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            // README: "bodies over 64 KB take from one pool as their bytes arrive (not as their Content-Length
            // claims)": an 8 MB pool holding 140 KB of bodies serves a 1 MB call
            HttpResponse<String> call = post(chatOf(MB));
            assertThat(call.statusCode())
                    .as(
                            "pool in use %d bytes: %s",
                            gw.runtime.gateway().bodyMemory().inUse(), call.body())
                    .isEqualTo(200);
        } finally {
            for (Socket s : senders) {
                s.close();
            }
        }
    }

    @Test
    @Timeout(30)
    void batchCreateWhoseTreeWouldNotFit_refused413OnBody() throws Exception {
        // the same 1.2 MB of empty objects (about 36 MB of JSON tree, more than the 8 MB pool), as a batch
        StringBuilder body = new StringBuilder("{\"requests\":[{}");
        body.append(",{}".repeat(400_000));
        body.append("]}");

        HttpResponse<String> call = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/messages/batches"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/json")
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(call.statusCode()).as(call.body()).isEqualTo(413);
        assertThat(call.body()).contains("\"param\":\"body\"");
    }

    @Test
    @Timeout(60)
    void bodyLargerThanTheWholePool_refused413_notAskedToRetry() throws Exception {
        // a pool smaller than the body limit: 2 MB of body memory, bodies up to 4 MB
        GatewayFixture small = GatewayFixture.embedded(
                java.nio.file.Files.createDirectories(dir.resolve("small")),
                Map.of(
                        "SPENDGATE_MAX_BODY_BYTES", String.valueOf(4 * MB),
                        "SPENDGATE_BODY_MEMORY_BYTES", String.valueOf(2 * MB)));
        LocalGatewayServer smallServer = LocalGatewayServer.start(
                small.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(5_000, 20_000, 20_000));
        try {
            // nothing else in flight: a 3 MB body can never fit in 2 MB, whenever it is retried
            HttpResponse<String> call = http.send(
                    HttpRequest.newBuilder(URI.create(smallServer.baseUrl() + "/v1/chat/completions"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + small.secret)
                            .POST(HttpRequest.BodyPublishers.ofString(chatOf(3 * MB)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            // README: "503 with Retry-After: 1 while the pool is spent, 413 for a body that could never fit"
            assertThat(call.statusCode()).as(call.body()).isEqualTo(413);
            assertThat(call.headers().firstValue("Retry-After")).isEmpty();
        } finally {
            smallServer.stop(0);
            small.close();
        }
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + gw.secret)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A normal chat call and {@code /health} both answer 200. */
    private void assertServing() throws IOException, InterruptedException {
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> call = post(CHAT);
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** Everything the server sends until it closes, then {@code <closed>}; {@code <open>} if it did not close. */
    private static String readToClose(Socket s, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return got.toString(StandardCharsets.ISO_8859_1) + "<open>";
        } catch (IOException e) {
            // reset by the server: closed too
        }
        return got.toString(StandardCharsets.ISO_8859_1) + "<closed>";
    }
}
