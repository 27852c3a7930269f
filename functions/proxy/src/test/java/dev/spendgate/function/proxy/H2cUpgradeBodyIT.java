package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Upgrade: h2c} on a request with a body, as {@code curl --http2} sends it on an {@code http://} URL: the call
 * reaches the provider with its body, however the body is framed. (With {@code Content-Length} the server answers
 * over HTTP/1.1 and the call goes through; a chunked body, {@code curl --http2 -T -}, is the case tested here.)
 */
class H2cUpgradeBodyIT {
    private static final byte[] PREFACE = H2Frames.PREFACE;
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi over h2c.\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    @Timeout(30)
    void upgradeH2cWithChunkedBody_callProxiedWithItsBody() throws Exception {
        byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        chunked.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunked.writeBytes(body);
        chunked.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (Socket s = new Socket("127.0.0.1", gw.server.port())) {
            s.setSoTimeout(5_000);
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + gw.secret + "\r\nContent-Type: application/json\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nTransfer-Encoding: chunked\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(chunked.toByteArray());
            out.flush();
            String status = statusLine(s.getInputStream());
            if (status.startsWith("HTTP/1.1 101")) {
                out.write(PREFACE); // the client's side of the upgraded connection
                out.write(H2Frames.frame(H2Frames.SETTINGS, 0, 0, new byte[0]));
                out.flush();
            }

            List<UsageRecord> records = gw.awaitRecords(1);
            assertThat(records).as("answer began with: " + status).hasSize(1);
            assertThat(gw.upstream.requestCount())
                    .as(
                            "answer began with %s; the call was recorded as %d %s",
                            status, records.get(0).statusCode(), records.get(0).errorType())
                    .isEqualTo(1);
            assertThat(gw.upstream.lastRequest().bodyString()).isEqualTo(CHAT);
            assertThat(records.get(0).statusCode()).isEqualTo(200);
        }
    }

    /** The status line of an HTTP/1.1 answer. */
    private static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).trim();
    }
}
