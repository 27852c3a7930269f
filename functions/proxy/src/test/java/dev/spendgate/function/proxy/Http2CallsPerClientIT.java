package dev.spendgate.function.proxy;

import static dev.spendgate.function.proxy.H2Frames.END_HEADERS;
import static dev.spendgate.function.proxy.H2Frames.HEADERS;
import static dev.spendgate.function.proxy.H2Frames.PREFACE;
import static dev.spendgate.function.proxy.H2Frames.SETTINGS;
import static dev.spendgate.function.proxy.H2Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client address holds at most {@code SPENDGATE_MAX_CONNECTIONS_PER_CLIENT} calls in flight over HTTP/2 (README
 * "Local server limits"), however many streams its connections open: streams that declare large bodies and send none
 * cannot pile up memory, and every other client is still served.
 */
class Http2CallsPerClientIT {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;

    @BeforeEach
    void start() throws IOException {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withConnections(100, 4));
    }

    @AfterEach
    void stop() {
        server.stop(0);
        gw.close();
    }

    @Test
    @Timeout(30)
    void idleStreamsDeclaringLargeBodies_pastTheLimit429AtOnce_otherClientsServed() throws Exception {
        try (Socket h2 = new Socket("127.0.0.1", server.port())) {
            h2.setSoTimeout(3_000);
            OutputStream out = h2.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            // ten chat calls on one connection, each declaring a 10 MB body and sending none of it
            for (int stream = 1; stream <= 19; stream += 2) {
                ByteArrayOutputStream block = new ByteArrayOutputStream();
                block.writeBytes(H2Frames.chatPostStart(gw.secret));
                block.writeBytes(H2Frames.literal("content-type", "application/json"));
                block.writeBytes(H2Frames.literal("content-length", "10485760"));
                out.write(frame(HEADERS, END_HEADERS, stream, block.toByteArray()));
            }
            out.flush();

            Map<Integer, Integer> answered = H2Frames.statuses(h2.getInputStream(), 10);

            // the first four wait for their bodies (until the body deadline); the six past the limit get 429 now
            assertThat(answered).hasSize(6).allSatisfy((stream, status) -> assertThat(status)
                    .isEqualTo(429));
            // another client address is served meanwhile: the health check and a chat call
            assertThat(http11From("127.0.0.2", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                    .startsWith("HTTP/1.1 200");
            byte[] chat = CHAT.getBytes(StandardCharsets.UTF_8);
            assertThat(http11From(
                            "127.0.0.2",
                            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: "
                                    + chat.length + "\r\n\r\n" + CHAT))
                    .startsWith("HTTP/1.1 200");
            assertThat(gw.upstream.requestCount()).isEqualTo(1);
        }
    }

    /** One HTTP/1.1 request from {@code source}, a loopback address of its own; the status line and headers. */
    private String http11From(String source, String request) throws IOException {
        try (Socket s =
                new Socket(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(source), 0)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.toString().endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }
    }
}
