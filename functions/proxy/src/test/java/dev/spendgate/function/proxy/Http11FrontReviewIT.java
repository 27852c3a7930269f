package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 27): the local server's HTTP/1.1 front under odd but legal clients: raw requests over a socket, a
 * real gateway on a free port and the fake provider.
 */
class Http11FrontReviewIT {
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

    /**
     * SPENDGATE_BODY_TIMEOUT_MS 10 s (raised for slow uploads), SPENDGATE_IDLE_TIMEOUT_MS 2 s: a client sends the head
     * and the start of its body, then pauses. README "Local server limits": a body not complete within its deadline
     * gets 408 (JsonErrorHandler: "The request was not received in time."), a client-side status the SDKs treat as a
     * timeout. Here the idle timeout ends the body's wait first, and the client gets 500 "Server Error." with type
     * api_error: the gateway blames itself for the client's slow upload (5xx alarms, dashboards), and the body deadline
     * the operator raised never takes effect.
     */
    @Test
    @Timeout(30)
    void bodyPausedPastTheIdleTimeout_is408NotServerError() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTimeouts(10_000, 10_000, 2_000));
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                                    + "{\"model\":")
                            .getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer.lines().findFirst().orElse("<closed without an answer>"))
                    .isEqualTo("HTTP/1.1 408 Request Timeout");
        }
        assertThat(gw.upstream.requestCount()).isZero();
    }

    /**
     * An uptime monitor that checks the gateway with {@code HEAD /health} (Wasitup and Montastic check with HEAD
     * first; {@code curl -I}): RFC 9110 9.3.2, HEAD is GET without the content, and general-purpose servers must support both (9.1). The
     * health check answers GET with 200; HEAD gets 404 "Unknown path /health", so the monitor reports a healthy
     * gateway as down.
     */
    @Test
    @Timeout(30)
    void headHealth_answered200AsGet() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, ServerLimits.defaults());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);

            assertThat(status).isEqualTo("HTTP/1.1 200");
        }
    }

    /**
     * R27G-3: a HEAD answer carries the health answer's head (its length too) and no content, so the next request on
     * the connection is read as the next answer; and a method {@code /health} does not answer, such as TRACE, gets 405
     * naming the ones it does rather than "Unknown path /health".
     */
    @Test
    @Timeout(30)
    void headHealth_hasNoContent_andOtherMethodsGet405NamingGetAndHead() throws Exception {
        gw = GatewayFixture.embedded(dir);
        server = LocalGatewayServer.start(gw.runtime, "127.0.0.1", 0, ServerLimits.defaults());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write(("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                    + "TRACE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            String answers = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int second = answers.indexOf("HTTP/1.1", 1);
            String head = answers.substring(0, Math.max(second, 0));
            String trace = answers.substring(Math.max(second, 0));

            assertThat(head).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n").doesNotContain("status");
            assertThat(trace)
                    .startsWith("HTTP/1.1 405")
                    .containsIgnoringCase("Allow: GET, HEAD")
                    .contains("method_not_allowed")
                    .doesNotContain("Unknown path");
        }
    }
}
