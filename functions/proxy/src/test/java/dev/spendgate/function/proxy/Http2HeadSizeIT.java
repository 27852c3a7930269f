package dev.spendgate.function.proxy;

import static dev.spendgate.function.proxy.H2Frames.CONTINUATION;
import static dev.spendgate.function.proxy.H2Frames.END_HEADERS;
import static dev.spendgate.function.proxy.H2Frames.END_STREAM;
import static dev.spendgate.function.proxy.H2Frames.HEADERS;
import static dev.spendgate.function.proxy.H2Frames.PREFACE;
import static dev.spendgate.function.proxy.H2Frames.SETTINGS;
import static dev.spendgate.function.proxy.H2Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request head size limit ({@code SPENDGATE_MAX_HEADER_BYTES}, 32 KB; README "Local server limits": 431) on
 * HTTP/2: a head over it gets 431 on its stream, as on HTTP/1.1, not an error that tears down the whole connection and
 * every other call on it.
 */
class Http2HeadSizeIT {
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
    void headOverTheSizeLimit_431AsOnHttp11() throws Exception {
        // a 20 KB header is answered (by the gateway: the POST has no body); a 40 KB one gets 431
        assertThat(headWithHeaderOf(20 * 1024)).startsWith("status ").isNotEqualTo("status 431");
        assertThat(headWithHeaderOf(40 * 1024)).isEqualTo("status 431");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    /** A chat POST with no body and one header of {@code size} bytes, in frames of 16 KB, the largest allowed. */
    private String headWithHeaderOf(int size) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.server.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            out.write(frame(SETTINGS, 0, 0, new byte[0]));
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Frames.chatPostStart(gw.secret));
            block.writeBytes(H2Frames.literal("x-big", "a".repeat(size)));
            byte[] all = block.toByteArray();
            for (int at = 0; at < all.length; at += 16_384) {
                byte[] part = Arrays.copyOfRange(all, at, Math.min(all.length, at + 16_384));
                boolean first = at == 0;
                boolean last = at + 16_384 >= all.length;
                out.write(frame(
                        first ? HEADERS : CONTINUATION, (first ? END_STREAM : 0) | (last ? END_HEADERS : 0), 1, part));
            }
            out.flush();
            return H2Frames.answer(s.getInputStream());
        }
    }
}
