package dev.spendgate.function.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConnectionInputTest {
    /** Hands out at most one byte per read, as a slow network would. */
    private static InputStream trickle(String text) {
        ByteArrayInputStream all = new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
        return new InputStream() {
            @Override
            public int read() {
                return all.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return all.read(b, off, Math.min(len, 1));
            }
        };
    }

    @Test
    void readLine_linesArrivingByteByByte_joinedAndCrLfStripped() throws IOException {
        ConnectionInput in = new ConnectionInput(trickle("POST /v1 HTTP/1.1\r\nX-A: b\nbody"), 4);

        assertThat(in.readLine(true, 100)).isEqualTo("POST /v1 HTTP/1.1");
        assertThat(in.readLine(false, 100)).isEqualTo("X-A: b");
        assertThat(in.readNBytes(4)).isEqualTo("body".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(in.readLine(true, 100)).isNull();
    }

    @Test
    void readLine_lineLongerThanTheBuffer_returnedWhole() throws IOException {
        String header = "X-Long: " + "v".repeat(40_000);
        ConnectionInput in = new ConnectionInput(
                new ByteArrayInputStream((header + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)), 16 * 1024);

        assertThat(in.readLine(false, 64 * 1024)).isEqualTo(header);
        assertThat(in.readLine(false, 64 * 1024)).isEmpty();
    }

    @Test
    void readLine_overTheLimit_rejected() {
        ConnectionInput in = new ConnectionInput(
                new ByteArrayInputStream(("x".repeat(200) + "\r\n").getBytes(StandardCharsets.ISO_8859_1)), 64);

        assertThatThrownBy(() -> in.readLine(false, 100)).isInstanceOf(IOException.class);
    }

    @Test
    void readLine_streamEndsInsideARequest_isAnError() {
        ConnectionInput in = new ConnectionInput(trickle("Host: x"), 16);

        assertThatThrownBy(() -> in.readLine(false, 100)).hasMessageContaining("closed mid-request");
    }
}
