package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.TestKeyStores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The wire behaviour of the local server, over raw sockets and the JDK's HTTP client. */
class LocalGatewayServerTest {
    @TempDir
    Path dir;

    private LocalGatewayServer server;

    @BeforeEach
    void start() throws IOException {
        // Echoes method, path, the X-Test header and the body; /stream answers in three flushed events, /cut sends
        // two events and then aborts, as the gateway does when the upstream fails mid-stream.
        server = LocalGatewayServer.start(
                (request, sink) -> {
                    if (request.path().equals("/stream") || request.path().equals("/cut")) {
                        sink.start(200, new Headers().set("Content-Type", "text/event-stream"), -1);
                        for (int i = 0; i < 3; i++) {
                            if (i == 2 && request.path().equals("/cut")) {
                                sink.abort();
                                return;
                            }
                            sink.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                            sink.flush();
                        }
                        sink.end();
                        return;
                    }
                    byte[] body = (request.method() + " " + request.path() + " "
                                    + request.headers().first("X-Test") + " "
                                    + new String(request.body(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    sink.start(200, new Headers().set("Content-Type", "text/plain"), body.length);
                    sink.write(body);
                    sink.end();
                },
                64,
                "127.0.0.1",
                0,
                ServerLimits.defaults().withTimeouts(2_000, 2_000, 5_000));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void health_onTheGatewayRuntime_answersOk() throws IOException, InterruptedException {
        try (GatewayRuntime runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of()), dir);
                LocalGatewayServer gateway =
                        LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults())) {
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(gateway.engineDescription()).startsWith("Jetty 12.1");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        }
    }

    @Test
    @Timeout(10)
    void callStages_whenTimed_stampTheNamedCallsWireStagesInOrder() throws Exception {
        Map<String, Map<CallStages.Stage, Long>> stamps = new java.util.concurrent.ConcurrentHashMap<>();
        CallStages.time((call, stage, nanos) -> {
            if (call != null) {
                stamps.computeIfAbsent(call, c -> new java.util.concurrent.ConcurrentSkipListMap<>())
                        .put(stage, nanos);
            }
        });
        HttpResponse<String> named;
        try {
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            named = client.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/x"))
                            .header(CallStages.CALL_HEADER, "0003-000000042")
                            .POST(HttpRequest.BodyPublishers.ofString("hi"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            client.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/x"))
                            .POST(HttpRequest.BodyPublishers.ofString("unnamed"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } finally {
            CallStages.time(null);
        }

        assertThat(named.body()).isEqualTo("POST /v1/x null hi");
        assertThat(stamps).containsOnlyKeys("0003-000000042"); // a call without the header is not stamped
        Map<CallStages.Stage, Long> call = stamps.get("0003-000000042");
        assertThat(call.keySet())
                .containsExactly(
                        CallStages.Stage.BEGIN,
                        CallStages.Stage.HEADERS,
                        CallStages.Stage.HANDLER,
                        CallStages.Stage.CALL,
                        CallStages.Stage.END,
                        CallStages.Stage.WRITTEN);
        assertThat(new ArrayList<>(call.values())).isSorted();
    }

    @Test
    @Timeout(10)
    void abort_afterSomeChunks_clientSeesAnErrorNotACleanEnd() throws IOException, InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> response = client.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/cut")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        InputStream body = response.body();

        assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }

    @Test
    @Timeout(10)
    void abort_overHttp2_streamIsResetAndTheClientSeesAFailure() throws Exception {
        org.eclipse.jetty.client.HttpClient h2 =
                new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2.start();
        try {
            assertThatThrownBy(() -> h2.newRequest(server.baseUrl() + "/cut")
                            .timeout(5, TimeUnit.SECONDS)
                            .send())
                    .isInstanceOf(ExecutionException.class);
            ContentResponse whole = h2.newRequest(server.baseUrl() + "/stream")
                    .timeout(5, TimeUnit.SECONDS)
                    .send();
            assertThat(whole.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            assertThat(whole.getContentAsString()).contains("data: 2");
        } finally {
            h2.stop();
        }
    }

    @Test
    @Timeout(20)
    void tls_fromAKeyStore_servesHttps() throws Exception {
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("server.p12"), "s3cret-pass", "ip:127.0.0.1");
        SSLContext ssl = TestKeyStores.trusting(keyStore, "s3cret-pass");
        LocalGatewayServer https = LocalGatewayServer.start(
                (request, sink) -> {
                    byte[] body = "secure".getBytes(StandardCharsets.UTF_8);
                    sink.start(200, new Headers(), body.length);
                    sink.write(body);
                    sink.end();
                },
                64,
                "127.0.0.1",
                0,
                ServerLimits.defaults().withTls(keyStore, "s3cret-pass"));
        try {
            HttpResponse<String> response = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(https.baseUrl() + "/x"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(https.baseUrl()).startsWith("https://");
            assertThat(response.body()).isEqualTo("secure");
            assertThat(https.engineDescription()).contains("TLS");
        } finally {
            https.stop(0);
        }
    }

    @Test
    @Timeout(10)
    void abort_overRawHttp11_noTerminatingChunkAndTheConnectionCloses() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET /cut HTTP/1.1\r\nHost: x\r\n\r\n");
            String wire = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(wire).startsWith("HTTP/1.1 200").contains("data: 0", "data: 1");
            assertThat(wire).doesNotContain("data: 2").doesNotEndWith("0\r\n\r\n");
        }
    }

    @Test
    @Timeout(10)
    void stop_idleKeepAliveConnection_doesNotHoldTheGracePeriod() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(readResponse(reader(s))).endsWith("POST /a null hi");
            long start = System.nanoTime();

            server.stop(5);

            assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(10)
    void idleConnection_closedAfterTheIdleTimeout() throws IOException {
        LocalGatewayServer quick = LocalGatewayServer.start(
                (request, sink) -> sink.start(204, new Headers(), 0),
                64,
                "127.0.0.1",
                0,
                ServerLimits.defaults().withTimeouts(2_000, 2_000, 300));
        try (Socket s = new Socket("127.0.0.1", quick.port())) {
            s.setSoTimeout(5_000);
            long start = System.nanoTime();

            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server, nothing sent
            assertThat(System.nanoTime() - start).isGreaterThan(250_000_000L);
        } finally {
            quick.stop(0);
        }
    }

    @Test
    void keepAlive_twoRequestsOnOneConnection_bothAnswered() throws IOException {
        try (Socket s = connect()) {
            send(
                    s,
                    "POST /a HTTP/1.1\r\nHost: x\r\nX-Test: one\r\nContent-Length: 5\r\n\r\nhello"
                            + "POST /b HTTP/1.1\r\nHost: x\r\nX-Test: two\r\nContent-Length: 3\r\n\r\nbye");
            BufferedReader in = reader(s);
            assertThat(readResponse(in)).endsWith("POST /a one hello");
            assertThat(readResponse(in)).endsWith("POST /b two bye");
        }
    }

    @Test
    @Timeout(30)
    void keepAlive_nextRequestAfterVaryingPauses_everyOneAnswered() throws IOException, InterruptedException {
        // The server answers 0 for a read right after one that found nothing and then waits for the selector: a
        // request that arrives at any moment after an answer must still be read, not left waiting for a next byte.
        try (Socket s = connect()) {
            BufferedReader in = reader(s);
            for (int i = 0; i < 60; i++) {
                send(s, "POST /k HTTP/1.1\r\nHost: x\r\nX-Test: " + i + "\r\nContent-Length: 2\r\n\r\nhi");
                assertThat(readResponse(in)).endsWith("POST /k " + i + " hi");
                if (i % 3 == 1) {
                    Thread.sleep(i % 2 == 0 ? 1 : 15);
                }
            }
        }
    }

    @Test
    void requestBody_arrivingInPartsAfterPauses_isReadWhole() throws IOException, InterruptedException {
        try (Socket s = connect()) {
            send(s, "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nspe");
            Thread.sleep(50);
            send(s, "ndg");
            Thread.sleep(50);
            send(s, "ate");
            assertThat(readResponse(reader(s))).endsWith("POST /p null spendgate");
        }
    }

    @Test
    void bufferedResponse_headAndBodyLeaveTogetherWithTheirLength() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /whole HTTP/1.1\r\nHost: x\r\nX-Test: w\r\nContent-Length: 4\r\n\r\nbody");
            // the first read returns when the first bytes arrive: it holds the whole answer only if head and body
            // were written together
            byte[] buffer = new byte[8192];
            int n = s.getInputStream().read(buffer);
            String wire = new String(buffer, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
            String expected = "POST /whole w body";

            assertThat(wire).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n" + expected);
            assertThat(wire).containsIgnoringCase("Content-Length: " + expected.length() + "\r\n");
        }
    }

    @Test
    @Timeout(10)
    void streamedResponse_eachFlushReachesTheClientBeforeTheNextIsWritten() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        LocalGatewayServer held = LocalGatewayServer.start(
                (request, sink) -> {
                    sink.start(200, new Headers().set("Content-Type", "text/event-stream"), -1);
                    sink.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                    sink.flush();
                    try {
                        // the "upstream" goes on only once the client has the first event
                        if (!firstSeen.await(5, TimeUnit.SECONDS)) {
                            throw new IOException("the first event never reached the client");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                    sink.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
                    sink.flush();
                    sink.end();
                },
                64,
                "127.0.0.1",
                0,
                ServerLimits.defaults());
        try (Socket s = new Socket("127.0.0.1", held.port())) {
            s.setSoTimeout(5_000);
            send(s, "GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
            BufferedReader in = reader(s);
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.equals("data: first"); line = in.readLine()) {
                lines.add(line);
            }
            assertThat(lines).contains("Transfer-Encoding: chunked");
            firstSeen.countDown();
            List<String> rest = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.equals("0"); line = in.readLine()) {
                rest.add(line);
            }
            assertThat(rest).contains("data: second");
        } finally {
            held.stop(0);
        }
    }

    @Test
    void chunkedRequestBody_isReassembled() throws IOException {
        try (Socket s = connect()) {
            send(
                    s,
                    "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "4\r\nspen\r\n5;ext=1\r\ndgate\r\n0\r\n\r\n");
            assertThat(readResponse(reader(s))).endsWith("POST /c null spendgate");
        }
    }

    @Test
    void expectContinue_getsInterimResponseBeforeTheBodyIsSent() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            BufferedReader in = reader(s);
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            send(s, "ok");
            assertThat(readResponse(in)).endsWith("POST /e null ok");
        }
    }

    @Test
    void unknownLengthResponse_isChunkedOverHttp11() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            BufferedReader in = reader(s);
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.equals("0"); line = in.readLine()) {
                lines.add(line);
            }
            assertThat(lines).contains("Transfer-Encoding: chunked", "data: 0", "data: 1", "data: 2");
        }
    }

    @Test
    void malformedRequestLine_is400AsJsonAndTheConnectionCloses() throws IOException {
        try (Socket s = connect()) {
            send(s, "NONSENSE\r\n\r\n");
            String wire = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(wire).startsWith("HTTP/1.1 400").contains("\"invalid_request_error\"");
        }
    }

    @Test
    void http10_withoutKeepAlive_isAnsweredAndClosed() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /old HTTP/1.0\r\nContent-Length: 1\r\n\r\nx");
            BufferedReader in = reader(s);
            assertThat(readResponse(in)).endsWith("POST /old null x");
            assertThat(in.readLine()).isNull();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(5_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    }

    /** Reads one Content-Length response and returns its status line and body. */
    private static String readResponse(BufferedReader in) throws IOException {
        String status = in.readLine();
        int length = 0;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(body, read, length - read);
        }
        return status + " | " + new String(body);
    }
}
