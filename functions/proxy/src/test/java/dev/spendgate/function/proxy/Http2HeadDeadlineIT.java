package dev.spendgate.function.proxy;

import static dev.spendgate.function.proxy.H2Frames.CONTINUATION;
import static dev.spendgate.function.proxy.H2Frames.HEADERS;
import static dev.spendgate.function.proxy.H2Frames.PREFACE;
import static dev.spendgate.function.proxy.H2Frames.SETTINGS;
import static dev.spendgate.function.proxy.H2Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request head deadline ({@code SPENDGATE_HEAD_TIMEOUT_MS}, README "Local server limits") on HTTP/2: a head
 * trickled one CONTINUATION frame at a time is never idle and never finished, as a head trickled one header line at a
 * time on HTTP/1.1 ({@code HostileRequestsIT}); its connection is closed at the deadline.
 */
class Http2HeadDeadlineIT {
    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer server;

    @BeforeEach
    void start() throws IOException {
        gw = GatewayFixture.embedded(dir);
        // head deadline 1.5 s, body deadline 1.5 s, idle 10 s: as HostileRequestsIT
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(1_500, 1_500, 10_000));
    }

    @AfterEach
    void stop() {
        server.stop(0);
        gw.close();
    }

    @Test
    @Timeout(30)
    void slowHead_continuationFramesTrickled_closedAtTheHeadDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            // a request head begun (no END_HEADERS), then one more header every 400 ms: never idle, never finished
            out.write(frame(HEADERS, 0, 1, H2Frames.chatPostStart(gw.secret)));
            out.flush();
            long start = System.nanoTime();
            boolean closed = false;
            for (int i = 0; System.nanoTime() - start < 5_000_000_000L && !closed; i++) {
                Thread.sleep(400);
                try {
                    out.write(frame(CONTINUATION, 0, 1, H2Frames.literal("x-line-" + i, "x")));
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                closed = H2Frames.goneAway(s.getInputStream());
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(closed)
                    .as(
                            "a head trickled for %.1f s past a head deadline of 1.5 s: the connection is still open",
                            seconds)
                    .isTrue();
            assertThat(seconds).isLessThan(3.5);
        }
    }
}
