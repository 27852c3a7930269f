package dev.spendgate.function.proxy;

import static dev.spendgate.function.proxy.H2Frames.END_HEADERS;
import static dev.spendgate.function.proxy.H2Frames.END_STREAM;
import static dev.spendgate.function.proxy.H2Frames.HEADERS;
import static dev.spendgate.function.proxy.H2Frames.PREFACE;
import static dev.spendgate.function.proxy.H2Frames.SETTINGS;
import static dev.spendgate.function.proxy.H2Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.Behavior;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 27): the local server's HTTP/2 front under clients that stay within every documented limit (README
 * "Local server limits"), raw frames (RFC 9113) over sockets from loopback addresses of their own, a real gateway on a
 * free port and the fake provider.
 */
class Http2FrontReviewIT {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;
    final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        if (server != null) {
            server.stop(0);
        }
        if (gw != null) {
            gw.close();
        }
    }

    /**
     * SPENDGATE_MAX_CONNECTIONS=100, SPENDGATE_MAX_CONNECTIONS_PER_CLIENT=100: two client addresses each open one
     * HTTP/2 connection and run 100 calls on it, within the per-address limit of 100 HTTP/2 calls in flight, to a
     * provider that thinks for 20 s. Two of the 100 connections are open. README "Local server limits": {@code GET
     * /health} "answers while any of the above is going on"; a third address's health check should be answered at once.
     * It hangs: every call holds one of Jetty's virtual-thread permits (the larger of 200 and SPENDGATE_MAX_CONNECTIONS),
     * HTTP/2 calls are bounded per address but not in total, and once the permits are gone every new request of every
     * client (health, a 429 refusal, a call) waits, neither served nor refused, until calls end.
     */
    @Test
    @Timeout(90)
    void twoAddressesWithinTheirHttp2Limits_healthFromAThirdStillAnswered() throws Exception {
        gw = GatewayFixture.embedded(dir);
        gw.upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(20)));
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withConnections(100, 100));
        byte[] chat = CHAT.getBytes(StandardCharsets.UTF_8);
        for (String address : List.of("127.0.0.2", "127.0.0.3")) {
            Socket s = new Socket(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(address), 0);
            clients.add(s);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            for (int stream = 1; stream <= 199; stream += 2) { // 100 calls, under Jetty's 128 streams a connection
                ByteArrayOutputStream block = new ByteArrayOutputStream();
                block.writeBytes(H2Frames.chatPostStart(gw.secret));
                block.writeBytes(H2Frames.literal("content-type", "application/json"));
                out.write(frame(HEADERS, END_HEADERS, stream, block.toByteArray()));
                out.write(frame(0x0, END_STREAM, stream, chat)); // DATA
            }
            out.flush();
        }
        Thread.sleep(3_000); // the calls reach the gateway and wait for the provider

        assertThat(healthFrom("127.0.0.4")).isEqualTo("HTTP/1.1 200");
    }

    /**
     * R27G-1's bound: SPENDGATE_MAX_CONNECTIONS=100, 60 HTTP/2 calls in flight allowed per address. Two addresses send
     * 60 calls each to a provider that thinks for 20 s: all HTTP/2 connections together hold at most 100 calls, so the
     * second address's last 20 are refused at once with 503 and {@code Retry-After: 1} ({@code server_calls_in_flight}),
     * not left waiting.
     */
    @Test
    @Timeout(90)
    void http2CallsPastTheServersTotal_refusedAtOnceWith503() throws Exception {
        gw = GatewayFixture.embedded(dir);
        gw.upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(20)));
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withConnections(100, 60));
        byte[] chat = CHAT.getBytes(StandardCharsets.UTF_8);
        List<Socket> sockets = new ArrayList<>();
        for (String address : List.of("127.0.0.2", "127.0.0.3")) {
            Socket s = new Socket(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(address), 0);
            clients.add(s);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            for (int stream = 1; stream <= 119; stream += 2) { // 60 calls
                ByteArrayOutputStream block = new ByteArrayOutputStream();
                block.writeBytes(H2Frames.chatPostStart(gw.secret));
                block.writeBytes(H2Frames.literal("content-type", "application/json"));
                out.write(frame(HEADERS, END_HEADERS, stream, block.toByteArray()));
                out.write(frame(0x0, END_STREAM, stream, chat)); // DATA
            }
            out.flush();
            Thread.sleep(1_000); // the first address's calls are in flight before the second's arrive
        }
        Socket second = sockets.get(1);
        second.setSoTimeout(5_000);

        assertThat(H2Frames.statuses(second.getInputStream(), 20).values())
                .hasSize(20)
                .containsOnly(503);
    }

    /**
     * SPENDGATE_HEAD_TIMEOUT_MS (README "Local server limits": "10 s from the head's first byte ... the connection is
     * closed (a client trickling header lines never times out on idleness alone)"), here 1.5 s, idle 10 s as in
     * {@code Http2HeadDeadlineIT}: a request head sent as one HEADERS frame (no CONTINUATION), one byte every 400 ms.
     * Over HTTP/1.1 the same trickle is closed at the deadline ({@code HostileRequestsIT}), and over HTTP/2 a head
     * trickled in CONTINUATION frames is ({@code Http2HeadDeadlineIT}); a HEADERS frame trickled byte by byte is not:
     * the guard only notices header blocks that went on in CONTINUATION frames, so this connection stays open as long
     * as the client keeps sending a byte within the idle timeout.
     */
    @Test
    @Timeout(30)
    void headersFrameTrickledByteByByte_closedAtTheHeadDeadline() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(1_500, 1_500, 10_000));
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            out.flush();
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.chatPostStart(gw.secret));
            block.writeBytes(H2Frames.literal("x-pad", "p".repeat(100)));
            byte[] head = frame(HEADERS, END_HEADERS | END_STREAM, 1, block.toByteArray());
            long start = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < head.length - 1 && System.nanoTime() - start < 5_000_000_000L && !closed; i++) {
                try {
                    out.write(head[i]);
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                Thread.sleep(400);
                closed = H2Frames.goneAway(s.getInputStream());
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(closed)
                    .as(
                            "a HEADERS frame trickled for %.1f s past a head deadline of 1.5 s: the connection is still"
                                    + " open",
                            seconds)
                    .isTrue();
            assertThat(seconds).isLessThan(3.5);
        }
    }

    /**
     * R27G-4 over HTTP/2: body deadline 10 s, idle timeout 2 s; a call sends its head and part of its body in one DATA
     * frame, then pauses. The stream's idle timeout ends the wait: the client gets 408 (its lateness), as at the body
     * deadline, not 500, and nothing reaches the provider.
     */
    @Test
    @Timeout(30)
    void bodyPausedPastTheIdleTimeout_is408OverHttp2Too() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(10_000, 10_000, 2_000));
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.chatPostStart(gw.secret));
            block.writeBytes(H2Frames.literal("content-type", "application/json"));
            block.writeBytes(H2Frames.literal("content-length", "100"));
            out.write(frame(HEADERS, END_HEADERS, 1, block.toByteArray()));
            out.write(frame(0x0, 0, 1, "{\"model\":".getBytes(StandardCharsets.UTF_8))); // DATA, more to come
            out.flush();

            assertThat(H2Frames.answer(s.getInputStream())).isEqualTo("status 408");
        }
        assertThat(gw.upstream.requestCount()).isZero();
    }

    /** {@code GET /health} over HTTP/1.1 from {@code source}: its status line's start, or what went wrong in 5 s. */
    private String healthFrom(String source) throws IOException {
        try (Socket s =
                new Socket(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(source), 0)) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            return "no answer in 5 s";
        }
    }
}
