package dev.spendgate.function.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http1CodecTest {
    private static ConnectionInput wire(String raw) {
        return new ConnectionInput(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), 8);
    }

    private static String body(ConnectionInput in, Http1Codec.ResponseHead head) throws IOException {
        try (InputStream body = Http1Codec.body(in, head)) {
            return new String(body.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void readResponseHead_interimContinueThenAnswer_skipsTheInterimOne() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-A: 1\r\nx-a: 2\r\n"
                + "Content-Length: 2\r\n\r\nok");

        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the peer");

        assertThat(head.status()).isEqualTo(201);
        assertThat(head.headers().all("x-a")).containsExactly("1", "2");
        assertThat(head.keepAlive()).isTrue();
        assertThat(body(in, head)).isEqualTo("ok");
    }

    @Test
    void body_chunkedWithExtensionsAndTrailers_decodedAndTheNextAnswerReadable() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                + "HTTP/1.0 204 No Content\r\n\r\n");

        Http1Codec.ResponseHead first = Http1Codec.readResponseHead(in, "the peer");
        Http1Codec.FramedBody framed = Http1Codec.body(in, first);
        String text = new String(framed.readAllBytes(), StandardCharsets.ISO_8859_1);
        Http1Codec.ResponseHead second = Http1Codec.readResponseHead(in, "the peer");

        assertThat(text).isEqualTo("hello world");
        assertThat(framed.ended()).isTrue();
        assertThat(second.status()).isEqualTo(204);
        assertThat(second.keepAlive()).as("HTTP/1.0 without keep-alive").isFalse();
        assertThat(body(in, second)).isEmpty();
        assertThat(Http1Codec.readResponseHead(in, "the peer"))
                .as("closed at a boundary")
                .isNull();
    }

    @Test
    void readResponseHead_interimAnswersWithoutEnd_refusedAfterTheCap() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 102 Processing\r\n\r\n".repeat(Http1Codec.MAX_INTERIM_ANSWERS + 1)
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

        assertThatThrownBy(() -> Http1Codec.readResponseHead(in, "the peer"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("interim answers");
    }

    @Test
    void body_oneLengthRepeated_readAsThatLength() throws IOException {
        // RFC 9110 8.6: a list of one value repeated, in one field or two, is that value
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nyes");

        assertThat(body(in, Http1Codec.readResponseHead(in, "the peer"))).isEqualTo("ok");
        assertThat(body(in, Http1Codec.readResponseHead(in, "the peer"))).isEqualTo("yes");
    }

    @Test
    void body_lengthsThatDiffer_framingError() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok!");
        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the peer");

        assertThatThrownBy(() -> Http1Codec.body(in, head))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bad Content-Length");
    }

    /** Serves one burst per read; a read past the bursts given so far would block, so it fails the test. */
    private static final class Bursts extends InputStream {
        private final java.util.ArrayDeque<byte[]> bursts = new java.util.ArrayDeque<>();

        void arrive(String burst) {
            bursts.add(burst.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] next = bursts.poll();
            if (next == null) {
                throw new AssertionError("read with nothing arrived: this would have blocked");
            }
            if (next.length > len) {
                throw new AssertionError("burst larger than the read buffer");
            }
            System.arraycopy(next, 0, b, off, next.length);
            return next.length;
        }
    }

    @Test
    void available_chunksAlreadyArrived_readableAcrossChunkBoundariesWithoutBlocking() throws IOException {
        Bursts wire = new Bursts();
        ConnectionInput in = new ConnectionInput(wire, 1024);
        wire.arrive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "7\r\ndata: 1\r\n7\r\ndata: 2\r\n3");
        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the peer");
        Http1Codec.FramedBody body = Http1Codec.body(in, head);
        byte[] buffer = new byte[64];
        int n = 0;

        while (body.available() > 0) {
            n += body.read(buffer, n, buffer.length - n);
        }

        assertThat(new String(buffer, 0, n, StandardCharsets.ISO_8859_1))
                .as("both whole chunks, and nothing of the one whose size line has not fully arrived")
                .isEqualTo("data: 1data: 2");
        assertThat(body.ended()).isFalse();

        wire.arrive("\r\n\n\n\n\r\n0\r\n\r\n");
        n += body.read(buffer, n, buffer.length - n);
        while (body.available() > 0) {
            n += body.read(buffer, n, buffer.length - n);
        }

        assertThat(new String(buffer, 0, n, StandardCharsets.ISO_8859_1)).isEqualTo("data: 1data: 2\n\n\n");
        assertThat(body.ended())
                .as("the last chunk arrived with the data: known without another read")
                .isTrue();
        assertThat(body.read(buffer, n, buffer.length - n)).isEqualTo(-1);
    }

    @Test
    void body_malformedChunkSize_errorNamesThePeer() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the Runtime API");

        assertThatThrownBy(() -> body(in, head))
                .isInstanceOf(IOException.class)
                .hasMessage("malformed chunk size from the Runtime API: zz");
    }

    @Test
    void body_negativeContentLength_refused() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\nabcd");
        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the upstream");

        assertThatThrownBy(() -> Http1Codec.body(in, head)).hasMessage("bad Content-Length from the upstream: -4");
    }

    @Test
    void body_shorterThanItsLength_errorInsteadOfACleanEnd() throws IOException {
        ConnectionInput in = wire("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, "the upstream");

        assertThatThrownBy(() -> body(in, head)).hasMessageContaining("7 bytes before the end");
    }

    @Test
    void writeChunk_thenLastChunk_readBackByTheDecoder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] data = "x".repeat(300).getBytes(StandardCharsets.US_ASCII);
        Http1Codec.writeChunk(out, data, 0, data.length);
        Http1Codec.writeChunk(out, data, 0, 1);
        Http1Codec.writeLastChunk(out);
        ConnectionInput in = new ConnectionInput(new ByteArrayInputStream(out.toByteArray()), 64);

        String decoded = body(in, Http1Codec.readResponseHead(in, "the peer"));

        assertThat(out.toString(StandardCharsets.US_ASCII)).contains("\r\n12c\r\n", "\r\n1\r\nx\r\n0\r\n\r\n");
        assertThat(decoded).hasSize(301);
        assertThatThrownBy(() -> Http1Codec.writeChunk(out, data, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sendable_lineBreakInValueOrColonInName_notSendable() {
        assertThat(Http1Codec.sendable("X-A", "fine value")).isTrue();
        assertThat(Http1Codec.sendable("X-A", "a\r\nX-Injected: 1")).isFalse();
        assertThat(Http1Codec.sendable("X:A", "v")).isFalse();
        assertThat(Http1Codec.sendable("", "v")).isFalse();
    }
}
