package dev.spendgate.function.proxy;

import static dev.spendgate.function.proxy.H2Frames.END_HEADERS;
import static dev.spendgate.function.proxy.H2Frames.END_STREAM;
import static dev.spendgate.function.proxy.H2Frames.GOAWAY;
import static dev.spendgate.function.proxy.H2Frames.HEADERS;
import static dev.spendgate.function.proxy.H2Frames.PREFACE;
import static dev.spendgate.function.proxy.H2Frames.RST_STREAM;
import static dev.spendgate.function.proxy.H2Frames.SETTINGS;
import static dev.spendgate.function.proxy.H2Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.http.TestKeyStores;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.Behavior;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 21): what the end of an HTTP/2 stream does to money and capacity on the local server: a client that
 * resets its stream mid-answer, rapid resets (CVE-2023-44487), a client that never opens its flow-control window,
 * request trailers, a client's GOAWAY during a call, and the TLS listener's key store errors at start-up. Raw frames
 * (RFC 9113) over a socket, a real gateway on a free port and the fake provider.
 */
class Http2StreamEndsReviewIT {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final String STREAMED_CHAT = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly to ten.\"}]}";
    private static final int DATA = 0x0;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int CANCEL = 0x8;
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

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

    private void start(ServerLimits limits) throws IOException {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, limits);
    }

    /** A monthly $10 budget on feature chatbot, which every call here names. */
    private BudgetPolicy budget() {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        return policy;
    }

    private BudgetState state(BudgetPolicy policy) {
        return gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.itemKey("chatbot", java.time.Instant.now()))
                .orElseThrow(() -> new AssertionError("no budget item: no call reached the budget"));
    }

    private static BigDecimal costs(List<UsageRecord> records) {
        return records.stream().map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** A client that resets its stream mid-answer is recorded once, as an HTTP/1.1 client that disconnects is. */
    @Test
    @Timeout(60)
    void resetMidStream_recordedOnceAsClientDisconnected_healthOnSameConnectionAnswers() throws Exception {
        start(ServerLimits.defaults());
        BudgetPolicy policy = budget();
        // 400 pieces 50 ms apart: 20 s of answer
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, STREAMED_CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            String requestId = h2.header(head, Gateway.REQUEST_ID_HEADER);
            assertThat(h2.status(head)).isEqualTo(200);
            // two events of content reach the client, then it cancels the stream
            StringBuilder seen = new StringBuilder();
            while (seen.toString().split("\n\n", -1).length < 3) {
                Frame f = h2.next(x -> x.stream == 1 && x.type == DATA);
                seen.append(new String(f.payload, StandardCharsets.UTF_8));
            }
            h2.send(frame(
                    RST_STREAM, 0, 1, ByteBuffer.allocate(4).putInt(CANCEL).array()));

            UsageRecord r = gw.record(requestId);
            assertThat(r.errorType()).isEqualTo("client_disconnected");
            assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
            assertThat(r.tokens().outputTokens()).isPositive().isLessThan(400);
            // the same connection still serves a health check
            h2.send(frame(HEADERS, END_HEADERS | END_STREAM, 3, getHealth()));
            Frame health = h2.next(f -> f.stream == 3 && f.type == HEADERS);
            assertThat(h2.status(health)).isEqualTo(200);
        }
        Thread.sleep(500);
        assertThat(gw.records()).hasSize(1);
        // the budget settled at the recorded estimate, nothing left reserved
        assertThat(state(policy).reserved()).isEqualByComparingTo("0");
        assertThat(state(policy).spent()).isEqualByComparingTo(costs(gw.records()));
    }

    /**
     * Rapid reset (CVE-2023-44487): streams whose request was sent whole and reset at once. Every call that reached the
     * provider is recorded, and none keeps its place in the client's HTTP/2 calls in flight once reset: the same
     * address is served right after.
     */
    @Test
    @Timeout(90)
    void rapidReset_everyCallThatReachedTheProviderRecorded_noPlaceKeptPastTheReset() throws Exception {
        start(ServerLimits.defaults().withConnections(100, 4));
        BudgetPolicy policy = budget();
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            for (int stream = 1; stream <= 79; stream += 2) {
                h2.post(stream, CHAT, null);
                if (stream % 4 == 3) {
                    Thread.sleep(stream % 8 == 3 ? 60 : 2 + stream % 7); // some reach the provider first
                }
                h2.send(frame(
                        RST_STREAM,
                        0,
                        stream,
                        ByteBuffer.allocate(4).putInt(CANCEL).array()));
            }
            h2.drain();
        }
        // every call that reached the provider has its record
        Thread.sleep(1_000);
        int reached = gw.upstream.requestCount();
        assertThat(reached).as("calls that reached the provider").isPositive();
        assertThat(gw.awaitRecords(reached)).hasSize(reached);
        assertThat(state(policy).reserved()).isEqualByComparingTo("0");
        assertThat(state(policy).spent()).isEqualByComparingTo(costs(gw.records()));

        // the same address, a new connection, a normal call: within the limit of four, no 429
        try (H2 again = new H2("127.0.0.1", Map.of())) {
            again.post(1, CHAT, null);
            Frame head = again.next(f -> f.stream == 1 && f.type == HEADERS);
            assertThat(again.status(head)).isEqualTo(200);
        }
    }

    /**
     * Streams whose head is sent, body declared and never sent, then reset: a reset stream is no call in flight, so
     * four of them leave the address its four calls.
     */
    @Test
    @Timeout(90)
    void resetBeforeTheBody_streamGivesItsPlaceBackAtOnce() throws Exception {
        start(ServerLimits.defaults().withConnections(100, 4));
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            for (int stream = 1; stream <= 7; stream += 2) {
                h2.send(frame(HEADERS, END_HEADERS, stream, chatHead(gw.secret, 100_000)));
            }
            Thread.sleep(300);
            for (int stream = 1; stream <= 7; stream += 2) {
                h2.send(frame(
                        RST_STREAM,
                        0,
                        stream,
                        ByteBuffer.allocate(4).putInt(CANCEL).array()));
            }
            Thread.sleep(500);
            h2.post(9, CHAT, null);
            Frame head = h2.next(f -> f.stream == 9 && f.type == HEADERS);
            assertThat(h2.status(head)).as("a call after four reset streams").isEqualTo(200);
        }
    }

    /**
     * A client that never opens its flow-control window (SETTINGS_INITIAL_WINDOW_SIZE 0) and keeps asking: each answer
     * is held by the server until the stream idle timeout. README "Local server limits": one address holds no more
     * calls over HTTP/2 than over HTTP/1.1 with one call a connection. Over HTTP/1.1 an unread answer keeps its
     * connection (at most SPENDGATE_MAX_CONNECTIONS_PER_CLIENT of them, and a newer connection displaces it); over
     * HTTP/2 a call whose answer has not left is still in flight, so past two the third gets 429.
     */
    @Test
    @Timeout(90)
    void neverOpenedWindow_answersHeldPastThePerClientLimit_429() throws Exception {
        start(ServerLimits.defaults().withConnections(100, 2));
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (H2 h2 = new H2("127.0.0.1", Map.of(SETTINGS_INITIAL_WINDOW_SIZE, 0))) {
            for (int stream = 1; stream <= 11; stream += 2) {
                h2.post(stream, CHAT, null);
                int s = stream;
                Frame head = h2.next(f -> f.stream == s && (f.type == HEADERS || f.type == RST_STREAM));
                statuses.put(stream, statusOrReset(head, h2));
            }
            // another address is served meanwhile
            try (H2 other = new H2("127.0.0.2", Map.of())) {
                other.send(frame(HEADERS, END_HEADERS | END_STREAM, 1, getHealth()));
                assertThat(other.status(other.next(f -> f.stream == 1 && f.type == HEADERS)))
                        .isEqualTo(200);
            }
        }
        // two answers held in the server for this address at most; the rest refused before reaching the provider
        assertThat(statuses.values().stream().filter(s -> s == 200)).hasSize(2);
        assertThat(statuses.values().stream().filter(s -> s == 429)).hasSize(4);
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /** The stream's status, or minus its RST_STREAM error code. */
    private static int statusOrReset(Frame head, H2 h2) {
        return head.type == HEADERS
                ? h2.status(head)
                : -ByteBuffer.wrap(head.payload).getInt();
    }

    /** Request trailers (RFC 9113 8.1): a body followed by a trailing HEADERS frame is a complete request. */
    @Test
    @Timeout(60)
    void requestTrailers_callAnsweredAndRecordedOnce() throws Exception {
        start(ServerLimits.defaults());
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, CHAT, H2Frames.literal("x-checksum", "abc"));
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            assertThat(h2.status(head)).isEqualTo(200);
            assertThat(gw.record(h2.header(head, Gateway.REQUEST_ID_HEADER)).errorType())
                    .isNull();
        }
        assertThat(gw.records()).hasSize(1);
    }

    /**
     * A client's GOAWAY names the last stream the client will process of the server's (RFC 9113 6.8): the client's own
     * stream in progress runs to its end and is recorded as a whole answer.
     */
    @Test
    @Timeout(60)
    void clientGoAwayDuringStream_streamRunsToItsEnd() throws Exception {
        start(ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(20).withPieceDelay(Duration.ofMillis(50)));
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, STREAMED_CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            String requestId = h2.header(head, Gateway.REQUEST_ID_HEADER);
            h2.next(f -> f.stream == 1 && f.type == DATA);
            h2.send(frame(GOAWAY, 0, 0, new byte[8])); // last stream 0, NO_ERROR
            StringBuilder body = new StringBuilder();
            String end = "end of stream";
            try {
                while (true) {
                    Frame f = h2.read();
                    if (f.stream == 1 && f.type == RST_STREAM) {
                        end = "RST_STREAM " + ByteBuffer.wrap(f.payload).getInt();
                        break;
                    }
                    if (f.type == GOAWAY) {
                        body.append("[GOAWAY ")
                                .append(ByteBuffer.wrap(f.payload, 4, 4).getInt())
                                .append(']');
                    }
                    if (f.stream == 1 && f.type == DATA) {
                        body.append(new String(f.payload, StandardCharsets.UTF_8));
                        if ((f.flags & END_STREAM) != 0) {
                            break;
                        }
                    }
                }
            } catch (EOFException e) {
                end = "connection closed";
            }
            assertThat(end + ": " + body).contains("data: [DONE]");
            assertThat(gw.record(requestId).errorType()).isNull();
        }
    }

    /**
     * {@code ./spendgate local} stopping (Ctrl-C: {@code server.stop(5)} then {@code runtime.close()}) while an HTTP/2
     * stream is relayed: the call that reached the provider is still in the usage log ("a call answered is a call
     * recorded").
     */
    @Test
    @Timeout(60)
    void stopDuringStream_callStillRecorded() throws Exception {
        start(ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));
        String requestId;
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, STREAMED_CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            requestId = h2.header(head, Gateway.REQUEST_ID_HEADER);
            h2.next(f -> f.stream == 1 && f.type == DATA);
            // LocalCommand's shutdown hook
            server.stop(1);
            server = null;
            gw.runtime.close();
        }
        assertThat(stored()).extracting(UsageRecord::requestId).containsExactly(requestId);
    }

    /** The same stop over HTTP/1.1, for comparison. */
    @Test
    @Timeout(60)
    void stopDuringStreamOverHttp11_callStillRecorded() throws Exception {
        start(ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));
        byte[] body = STREAMED_CHAT.getBytes(StandardCharsets.UTF_8);
        String requestId;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: "
                                    + body.length + "\r\n\r\n" + STREAMED_CHAT)
                            .getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data:")) {
                seen.append((char) in.read());
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)" + Gateway.REQUEST_ID_HEADER + ": (\\S+)")
                    .matcher(seen);
            assertThat(m.find()).isTrue();
            requestId = m.group(1);
            server.stop(1);
            server = null;
            gw.runtime.close();
        }
        assertThat(stored()).extracting(UsageRecord::requestId).containsExactly(requestId);
    }

    private List<UsageRecord> stored() {
        List<UsageRecord> out = new ArrayList<>();
        java.time.Instant now = java.time.Instant.now();
        dev.spendgate.domain.usage.UsageLogReader.create(gw.store)
                .read(now.minus(Duration.ofDays(1)), now.plus(Duration.ofHours(1)), out::add);
        return out;
    }

    /**
     * A provider that thinks longer than SPENDGATE_IDLE_TIMEOUT_MS before its first byte (a reasoning model; the
     * upstream wait is SPENDGATE_UPSTREAM_TIMEOUT_SECONDS, 600 s): README "Local server limits", the idle timeout closes
     * a connection "between calls; a stream in progress keeps it busy". Over HTTP/2 the call is answered.
     */
    @Test
    @Timeout(60)
    void providerSlowerThanIdleTimeout_h2CallAnswered() throws Exception {
        start(ServerLimits.defaults().withTimeouts(10_000, 30_000, 1_000));
        gw.upstream.enqueue(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(3)));
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && (f.type == HEADERS || f.type == RST_STREAM));
            assertThat(head.type == HEADERS ? "status " + h2.status(head) : "RST_STREAM " + statusOrReset(head, h2))
                    .isEqualTo("status 200");
        }
    }

    /** The same over HTTP/1.1, for comparison. */
    @Test
    @Timeout(60)
    void providerSlowerThanIdleTimeout_http11CallAnswered() throws Exception {
        start(ServerLimits.defaults().withTimeouts(10_000, 30_000, 1_000));
        gw.upstream.enqueue(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(3)));
        byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: "
                                    + body.length + "\r\n\r\n" + CHAT)
                            .getBytes(StandardCharsets.UTF_8));
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(answer).isEqualTo("HTTP/1.1 200");
        }
    }

    /** A streamed call whose provider pauses longer than the idle timeout between two events is relayed whole. */
    @Test
    @Timeout(60)
    void providerPauseLongerThanIdleTimeoutMidStream_h2StreamRelayedWhole() throws Exception {
        start(ServerLimits.defaults().withTimeouts(10_000, 30_000, 1_000));
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(3).withPieceDelay(Duration.ofMillis(2_500)));
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, STREAMED_CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            String requestId = h2.header(head, Gateway.REQUEST_ID_HEADER);
            StringBuilder body = new StringBuilder();
            String end = "end of stream";
            while (true) {
                Frame f = h2.next(x -> x.stream == 1 && (x.type == DATA || x.type == RST_STREAM));
                if (f.type == RST_STREAM) {
                    end = "RST_STREAM " + ByteBuffer.wrap(f.payload).getInt();
                    break;
                }
                body.append(new String(f.payload, StandardCharsets.UTF_8));
                if ((f.flags & END_STREAM) != 0) {
                    break;
                }
            }
            assertThat(end + ": " + body).startsWith("end of stream").contains("data: [DONE]");
            assertThat(gw.record(requestId).errorType()).isNull();
        }
    }

    /** The same pause over HTTP/1.1, for comparison. */
    @Test
    @Timeout(60)
    void providerPauseLongerThanIdleTimeoutMidStream_http11StreamRelayedWhole() throws Exception {
        start(ServerLimits.defaults().withTimeouts(10_000, 30_000, 1_000));
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(3).withPieceDelay(Duration.ofMillis(2_500)));
        byte[] body = STREAMED_CHAT.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: "
                                    + body.length + "\r\nConnection: close\r\n\r\n" + STREAMED_CHAT)
                            .getBytes(StandardCharsets.UTF_8));
            String wire = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(wire).startsWith("HTTP/1.1 200").contains("data: [DONE]");
        }
    }

    /**
     * Streams that send part of a large body and are reset give its memory back: after ten of them, each holding more
     * than a tenth of SPENDGATE_BODY_MEMORY_BYTES when reset, a large call from another address still fits.
     */
    @Test
    @Timeout(90)
    void resetWhileLargeBodyArrives_bodyMemoryGivenBack() throws Exception {
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_BODY_MEMORY_BYTES", "1048576", "SPENDGATE_MAX_BODY_BYTES", "2097152"));
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, ServerLimits.defaults());
        byte[] chunk = new byte[16_000];
        java.util.Arrays.fill(chunk, (byte) ' ');
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            for (int stream = 1; stream <= 19; stream += 2) {
                h2.send(frame(HEADERS, END_HEADERS, stream, chatHead(gw.secret, 600_000)));
                for (int i = 0; i < 12; i++) { // 192 KB of the 600 KB
                    h2.send(frame(DATA, 0, stream, chunk));
                }
                Thread.sleep(100);
                h2.send(frame(
                        RST_STREAM,
                        0,
                        stream,
                        ByteBuffer.allocate(4).putInt(CANCEL).array()));
            }
            h2.drain();
        }
        Thread.sleep(500);
        String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a ".repeat(150_000)
                + "\"}]}";
        try (H2 other = new H2("127.0.0.2", Map.of())) {
            other.post(1, big, null);
            Frame head = other.next(f -> f.stream == 1 && (f.type == HEADERS || f.type == RST_STREAM));
            assertThat(statusOrReset(head, other)).isEqualTo(200);
        }
    }

    /** A stop whose grace period outlasts the stream: the stream ends whole and its record is in the log. */
    @Test
    @Timeout(60)
    void stopWithGraceLongerThanTheStream_streamEndsWholeAndIsRecorded() throws Exception {
        start(ServerLimits.defaults());
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(20).withPieceDelay(Duration.ofMillis(50)));
        String requestId;
        StringBuilder body = new StringBuilder();
        try (H2 h2 = new H2("127.0.0.1", Map.of())) {
            h2.post(1, STREAMED_CHAT, null);
            Frame head = h2.next(f -> f.stream == 1 && f.type == HEADERS);
            requestId = h2.header(head, Gateway.REQUEST_ID_HEADER);
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Frame f = h2.read();
                        if (f.stream == 1 && f.type == DATA) {
                            body.append(new String(f.payload, StandardCharsets.UTF_8));
                            if ((f.flags & END_STREAM) != 0) {
                                return;
                            }
                        }
                        if (f.stream == 1 && f.type == RST_STREAM) {
                            body.append("[RST_STREAM]");
                            return;
                        }
                    }
                } catch (IOException e) {
                    body.append("[closed]");
                }
            });
            server.stop(5);
            server = null;
            gw.runtime.close();
            reader.join(10_000);
        }
        assertThat(body.toString()).contains("data: [DONE]");
        assertThat(stored()).extracting(UsageRecord::requestId).containsExactly(requestId);
    }

    /** A key store the server cannot open stops the start with an error naming the variable, never the password. */
    @Test
    @Timeout(60)
    void tlsKeyStoreWrongPassword_startRefusedNamingTheVariable() throws Exception {
        gw = GatewayFixture.embedded(dir);
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "right-pass", "ip:127.0.0.1");
        assertThatThrownBy(() -> server = LocalGatewayServer.start(
                        gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTls(keyStore, "wrong-pass-42")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("SPENDGATE_TLS_KEYSTORE")
                .message()
                .doesNotContain("wrong-pass-42");
    }

    @Test
    @Timeout(60)
    void tlsKeyStoreNotAKeyStore_startRefusedNamingTheVariable() throws Exception {
        gw = GatewayFixture.embedded(dir);
        Path pem = Files.writeString(
                dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> server = LocalGatewayServer.start(
                        gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTls(pem, "pass")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("SPENDGATE_TLS_KEYSTORE");
    }

    private static byte[] getHealth() {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        block.writeBytes(H2Frames.indexedName(4, "/health"));
        block.writeBytes(H2Frames.indexedName(1, "127.0.0.1"));
        return block.toByteArray();
    }

    private static byte[] chatHead(String secret, int length) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(H2Frames.chatPostStart(secret));
        block.writeBytes(H2Frames.literal("content-type", "application/json"));
        block.writeBytes(H2Frames.literal("content-length", String.valueOf(length)));
        block.writeBytes(H2Frames.literal("x-cost-feature", "chatbot"));
        return block.toByteArray();
    }

    record Frame(int type, int flags, int stream, byte[] payload) {}

    interface Match {
        boolean test(Frame f);
    }

    /** One raw HTTP/2 connection: frames out, frames in (one HPACK decoder, every HEADERS frame decoded in order). */
    final class H2 implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final DataInputStream in;
        final HpackDecoder hpack = new HpackDecoder(64 * 1024, System::nanoTime);
        final Map<Frame, MetaData> decoded = new java.util.IdentityHashMap<>();
        final List<Frame> pending = new ArrayList<>();

        H2(String source, Map<Integer, Integer> settings) throws IOException {
            socket = new Socket(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(source), 0);
            socket.setSoTimeout(15_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            ByteBuffer s = ByteBuffer.allocate(settings.size() * 6);
            settings.forEach((id, value) -> s.putShort(id.shortValue()).putInt(value));
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, s.array()));
            out.flush();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** A chat POST on {@code stream}: head, body in one DATA frame, and a trailing HEADERS block when given. */
        void post(int stream, String json, byte[] trailers) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            out.write(frame(HEADERS, END_HEADERS, stream, chatHead(gw.secret, body.length)));
            for (int at = 0; at < body.length; at += 16_000) {
                boolean last = at + 16_000 >= body.length;
                out.write(frame(
                        DATA,
                        last && trailers == null ? END_STREAM : 0,
                        stream,
                        java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + 16_000))));
            }
            if (trailers != null) {
                out.write(frame(HEADERS, END_HEADERS | END_STREAM, stream, trailers));
            }
            out.flush();
        }

        Frame read() throws IOException {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            Frame f = new Frame(type, flags, stream, in.readNBytes(length));
            if (type == HEADERS) {
                try {
                    decoded.put(f, hpack.decode(ByteBuffer.wrap(f.payload)));
                } catch (HpackException e) {
                    throw new IOException(e);
                }
            }
            try {
                if (type == SETTINGS && (flags & 0x1) == 0) {
                    send(frame(SETTINGS, 0x1, 0, new byte[0]));
                }
                if (type == DATA && f.payload.length > 0) {
                    // consume the data: give the window back
                    byte[] inc = ByteBuffer.allocate(4).putInt(f.payload.length).array();
                    send(frame(WINDOW_UPDATE, 0, 0, inc));
                    send(frame(WINDOW_UPDATE, 0, stream, inc));
                }
            } catch (IOException e) {
                // the server closed its side: what it sent is still read
            }
            return f;
        }

        Frame next(Match match) throws IOException {
            for (int i = 0; i < pending.size(); i++) {
                if (match.test(pending.get(i))) {
                    return pending.remove(i);
                }
            }
            while (true) {
                Frame f = read();
                if (match.test(f)) {
                    return f;
                }
                if (f.type == GOAWAY) {
                    throw new AssertionError(
                            "GOAWAY error " + ByteBuffer.wrap(f.payload, 4, 4).getInt());
                }
                pending.add(f);
            }
        }

        /** Reads what arrives until a read times out or the connection ends. */
        void drain() throws IOException {
            socket.setSoTimeout(2_000);
            try {
                while (true) {
                    read();
                }
            } catch (SocketTimeoutException | EOFException e) {
                // done
            } catch (IOException e) {
                // reset
            } finally {
                socket.setSoTimeout(15_000);
            }
        }

        int status(Frame headers) {
            return ((MetaData.Response) decoded.get(headers)).getStatus();
        }

        String header(Frame headers, String name) {
            for (HttpField field : decoded.get(headers).getHttpFields()) {
                if (field.getName().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    return field.getValue();
                }
            }
            throw new AssertionError("no " + name + " header");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
