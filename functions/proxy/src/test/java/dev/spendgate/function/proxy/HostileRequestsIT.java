package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and hostile requests against the real gateway on its real server, over raw sockets: each is refused with
 * the right status or a close, nothing of it reaches the upstream, and a normal call and {@code /health} keep working
 * meanwhile. Deadlines are configured short (1.5 s) so the slow-client cases stay quick.
 */
class HostileRequestsIT {
    private static final String SMUGGLED = "SMUGGLED";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String HIDDEN_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + SMUGGLED + "\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;
    final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        gw = GatewayFixture.embedded(dir);
        server = start(ServerLimits.defaults());
    }

    private LocalGatewayServer start(ServerLimits limits) throws IOException {
        return LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, limits.withTimeouts(1_500, 1_500, 10_000));
    }

    @AfterEach
    void stop() {
        server.stop(0);
        gw.close();
    }

    /** A complete chat call with the fixture's key: what a smuggler hides in the body of the first request. */
    private String hidden() {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.secret
                + "\r\nContent-Type: application/json\r\nContent-Length: " + HIDDEN_CHAT.length() + "\r\n\r\n"
                + HIDDEN_CHAT;
    }

    private String head(String extra) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.secret
                + "\r\nContent-Type: application/json\r\n" + extra;
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("Content-Length with Transfer-Encoding", 400),
                Arguments.of("two Content-Length headers", 400),
                Arguments.of("space before the colon", 400),
                Arguments.of("chunk size not hex", 400),
                Arguments.of("chunk size overflowing", 400),
                Arguments.of("negative Content-Length", 400),
                Arguments.of("obs-fold continuation line", 400),
                Arguments.of("bare CR in a header", 400),
                Arguments.of("header line over the limit", 431),
                Arguments.of("malformed percent-encoding", 400));
    }

    private String request(String shape) {
        String hidden = hidden();
        return switch (shape) {
            case "Content-Length with Transfer-Encoding" ->
                head("Content-Length: " + (5 + hidden.length()) + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                        + "0\r\n\r\n" + hidden;
            case "two Content-Length headers" ->
                head("Content-Length: " + CHAT.length() + "\r\nContent-Length: " + (CHAT.length() + hidden.length())
                                + "\r\n\r\n")
                        + CHAT
                        + hidden;
            case "space before the colon" ->
                head("Content-Length : " + (CHAT.length() + hidden.length()) + "\r\n\r\n") + CHAT + hidden;
            case "chunk size not hex" -> head("Transfer-Encoding: chunked\r\n\r\n") + "zz\r\n" + CHAT + "\r\n0\r\n\r\n";
            case "chunk size overflowing" ->
                head("Transfer-Encoding: chunked\r\n\r\n") + "fffffffffffffffff1\r\n" + CHAT + hidden;
            case "negative Content-Length" -> head("Content-Length: -1\r\n\r\n") + hidden;
            case "obs-fold continuation line" ->
                head("X-Note: a\r\n  folded\r\nContent-Length: " + CHAT.length() + "\r\n\r\n") + CHAT;
            case "bare CR in a header" ->
                head("X-Note: a\rContent-Length: 0\r\nContent-Length: " + CHAT.length() + "\r\n\r\n") + CHAT;
            case "header line over the limit" ->
                head("X-Big: " + "a".repeat(40 * 1024) + "\r\nContent-Length: " + CHAT.length() + "\r\n\r\n") + CHAT;
            case "malformed percent-encoding" ->
                head("Content-Length: " + CHAT.length() + "\r\n\r\n")
                                .replace("/v1/chat/completions", "/v1/chat/%zzcompletions")
                        + CHAT;
            default -> throw new IllegalArgumentException(shape);
        };
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("malformed")
    @Timeout(20)
    void malformedRequest_refusedAndClosed_nothingReachesUpstream(String shape, int status) throws Exception {
        CompletableFuture<Void> meanwhile = CompletableFuture.runAsync(this::assertServing);

        String answer;
        try (Socket s = connect(server)) {
            send(s, request(shape));
            answer = readToClose(s, 5_000);
        }

        assertThat(answer).startsWith("HTTP/1.1 " + status);
        assertThat(answer).contains("\"error\"").doesNotContain("<html", "Exception");
        meanwhile.get(10, TimeUnit.SECONDS);
        assertServing();
        assertNothingSmuggled();
    }

    @Test
    @Timeout(30)
    void slowHeads_closedAtTheHeadDeadline_othersServedMeanwhile() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                Socket s = connect(server);
                send(s, head("X-Line-0: x\r\n"));
                slow.add(s);
            }
            long start = System.nanoTime();
            // one header line every 400 ms: never idle for long, never finished
            for (int line = 1; System.nanoTime() - start < 3_500_000_000L; line++) {
                for (Socket s : slow) {
                    trySend(s, "X-Line-" + line + ": x\r\n");
                }
                assertServing();
                Thread.sleep(400);
            }

            for (Socket s : slow) {
                assertThat(readToClose(s, 3_000)).doesNotStartWith("HTTP/1.1 2").endsWith("<closed>");
            }
            assertServing();
            assertNothingSmuggled();
            assertThat(gw.upstream.requestCount())
                    .isEqualTo(gw.upstream.requests().size());
        } finally {
            closeAll(slow);
        }
    }

    @Test
    @Timeout(30)
    void idleFlood_threeHundredSilentConnections_othersServed() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                idle.add(connect(server));
            }
            for (int i = 0; i < 5; i++) {
                assertServing();
            }
        } finally {
            closeAll(idle);
        }
    }

    @Test
    @Timeout(30)
    void idleFlood_pastMaxConnections_displacesIdleOnesNotNewCalls() throws Exception {
        server.stop(0);
        server = start(ServerLimits.defaults().withConnections(50, 40));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = connect(server);
                send(s, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                idle.add(s);
            }
            for (int i = 0; i < 5; i++) {
                assertServing();
            }
            int closed = 0;
            for (Socket s : idle) {
                String answer = readToClose(s, 200);
                closed += answer.endsWith("<closed>") ? 1 : 0;
            }
            assertThat(closed).isGreaterThanOrEqualTo(150); // at most 50 open at once, 40 of one address
        } finally {
            closeAll(idle);
        }
    }

    @Test
    @Timeout(20)
    void slowBody_pastTheBodyDeadline_is408AndNothingReachesUpstream() throws Exception {
        try (Socket s = connect(server)) {
            send(s, head("Content-Length: " + HIDDEN_CHAT.length() + "\r\n\r\n") + HIDDEN_CHAT.substring(0, 10));
            CompletableFuture<Void> meanwhile = CompletableFuture.runAsync(this::assertServing);
            long start = System.nanoTime();

            String answer = readToClose(s, 5_000);

            assertThat(answer).startsWith("HTTP/1.1 408").endsWith("<closed>");
            assertThat(System.nanoTime() - start).isGreaterThan(1_000_000_000L);
            meanwhile.get(10, TimeUnit.SECONDS);
        }
        assertNothingSmuggled();
    }

    @Test
    @Timeout(30)
    void slowBodies_fortyAtOnce_holdNoThreadAndGet408() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                Socket s = connect(server);
                send(s, head("Content-Length: " + HIDDEN_CHAT.length() + "\r\n\r\n") + HIDDEN_CHAT.substring(0, 10));
                slow.add(s);
            }
            for (int i = 0; i < 3; i++) {
                assertServing(); // while 40 bodies are awaited
            }

            for (Socket s : slow) {
                assertThat(readToClose(s, 5_000)).startsWith("HTTP/1.1 408").endsWith("<closed>");
            }
            assertServing();
            assertNothingSmuggled();
        } finally {
            closeAll(slow);
        }
    }

    /** A normal chat call and {@code /health} both answer 200 within a few seconds. */
    private void assertServing() {
        try {
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                            .timeout(java.time.Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> call = http.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
                            .timeout(java.time.Duration.ofSeconds(5))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + gw.secret)
                            .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        } catch (IOException e) {
            throw new AssertionError("a normal call failed while hostile clients were connected", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void assertNothingSmuggled() {
        for (RecordedRequest r : gw.upstream.requests()) {
            assertThat(r.bodyString()).doesNotContain(SMUGGLED);
        }
    }

    private static Socket connect(LocalGatewayServer server) throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(5_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void trySend(Socket s, String text) {
        try {
            send(s, text);
        } catch (IOException e) {
            // closed by the server already
        }
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

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
