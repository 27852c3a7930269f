package dev.spendgate.function.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

/** Decoding gzip and deflate bodies as they arrive, piece by piece. */
class InflatingBodyTest {
    private static final String EVENT_1 = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n";
    private static final String EVENT_2 = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":41}}\n\n";
    private static final String DONE = "data: [DONE]\n\n";

    /** Hands out its pieces one per read, and says nothing is available: as a socket between two pieces does. */
    private static final class Pieces extends InputStream {
        private final Deque<byte[]> pieces;
        int reads;

        Pieces(List<byte[]> pieces) {
            this.pieces = new ArrayDeque<>(pieces);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            byte[] next = pieces.poll();
            if (next == null) {
                return -1;
            }
            int n = Math.min(len, next.length);
            System.arraycopy(next, 0, b, off, n);
            if (n < next.length) {
                pieces.addFirst(java.util.Arrays.copyOfRange(next, n, next.length));
            }
            return n;
        }

        @Override
        public int available() {
            return 0;
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] deflate(String text, boolean zlib) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d =
                new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, !zlib))) {
            d.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void gzip_oneMemberPerEvent_eachReadWaitsForTheNextMember() throws IOException {
        Pieces coded = new Pieces(List.of(gzip(EVENT_1), gzip(EVENT_2), gzip(DONE)));
        InflatingBody body = InflatingBody.of("gzip", coded);
        byte[] buffer = new byte[4096];

        int n = body.read(buffer, 0, buffer.length);
        assertThat(new String(buffer, 0, n, StandardCharsets.UTF_8)).isEqualTo(EVENT_1);
        assertThat(coded.reads)
                .as("the first event decodes from the first member alone")
                .isEqualTo(1);
        assertThat(readAll(body)).isEqualTo(EVENT_2 + DONE);
    }

    @Test
    void gzip_membersSplitAtEveryByte_decodedWhole() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(gzip(EVENT_1));
        all.writeBytes(gzip(EVENT_2 + DONE));
        List<byte[]> bytes = new java.util.ArrayList<>();
        for (byte b : all.toByteArray()) {
            bytes.add(new byte[] {b});
        }

        assertThat(readAll(InflatingBody.of("x-gzip", new Pieces(bytes)))).isEqualTo(EVENT_1 + EVENT_2 + DONE);
    }

    @Test
    void deflate_zlibAndRaw_bothDecoded() throws IOException {
        String json = "{\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6}}";

        assertThat(readAll(InflatingBody.of("deflate", new Pieces(List.of(deflate(json, true))))))
                .isEqualTo(json);
        assertThat(readAll(InflatingBody.of("Deflate", new Pieces(List.of(deflate(json, false))))))
                .isEqualTo(json);
    }

    @Test
    void emptyBody_isEmpty() throws IOException {
        assertThat(readAll(InflatingBody.of("gzip", new Pieces(List.of())))).isEmpty();
        assertThat(readAll(InflatingBody.of("deflate", new Pieces(List.of())))).isEmpty();
    }

    @Test
    void gzipCutInsideAMember_fails() throws IOException {
        byte[] member = gzip(EVENT_1);
        byte[] cut = java.util.Arrays.copyOf(member, member.length - 4);

        assertThatThrownBy(() -> readAll(InflatingBody.of("gzip", new Pieces(List.of(cut)))))
                .isInstanceOf(IOException.class);
    }

    @Test
    void otherCodings_notDecoded() {
        assertThat(InflatingBody.of("br", InputStream.nullInputStream())).isNull();
        assertThat(InflatingBody.of(null, InputStream.nullInputStream())).isNull();
        assertThat(InflatingBody.of("gzip, br", InputStream.nullInputStream())).isNull();
    }

    @Test
    void notGzip_failsAsSuch() {
        byte[] plain = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> readAll(InflatingBody.of("gzip", new Pieces(List.of(plain)))))
                .isInstanceOf(ZipException.class);
    }
}
