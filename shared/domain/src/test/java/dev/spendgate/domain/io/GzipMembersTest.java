package dev.spendgate.domain.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class GzipMembersTest {

    @Test
    void read_oneMember_givesItsContent() throws IOException {
        byte[] content = randomText(200_000, 1);

        assertThat(readAll(new ByteArrayInputStream(gzip(content)))).isEqualTo(content);
    }

    /**
     * A network stream says nothing is available between members and hands over a few bytes at a time: every member
     * is still read (the JDK's own stream stops after the first one on Java 17 and some 21 updates).
     */
    @Test
    void read_membersFromAStreamThatSaysNothingIsAvailable_givesEveryMember() throws IOException {
        byte[] first = randomText(70_000, 2);
        byte[] second = "the second member\n".getBytes(StandardCharsets.UTF_8);
        byte[] third = randomText(5_000, 3);

        byte[] read = readAll(trickle(concat(gzip(first), gzip(second), gzip(new byte[0]), gzip(third)), 7));

        assertThat(read).isEqualTo(concat(first, second, third));
    }

    @Test
    void read_headerWithNameCommentExtraFieldAndHeaderCrc_givesTheContent() throws IOException {
        byte[] content = "named member\n".getBytes(StandardCharsets.UTF_8);
        byte[] member = member(content, 2 | 4 | 8 | 16, true);

        assertThat(readAll(new ByteArrayInputStream(concat(member, gzip(content)))))
                .isEqualTo(concat(content, content));
    }

    /** The case the JDK's stream hides: a later member's header is damaged, and its content would just be gone. */
    @Test
    void read_laterMemberWithADamagedHeader_failsAfterTheFirstMembersContent() throws IOException {
        byte[] first = "first\n".getBytes(StandardCharsets.UTF_8);
        byte[] second = gzip("second\n".getBytes(StandardCharsets.UTF_8));
        second[0] = 0x00;

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThatThrownBy(() -> copy(new ByteArrayInputStream(concat(gzip(first), second)), got))
                .isInstanceOf(ZipException.class)
                .hasMessageContaining("header");
        assertThat(got.toByteArray()).isEqualTo(first);
    }

    @Test
    void read_garbageAfterTheLastMember_fails() {
        byte[] whole = concat(gzip("x\n".getBytes(StandardCharsets.UTF_8)), new byte[] {'\n'});

        assertThatThrownBy(() -> readAll(new ByteArrayInputStream(whole))).isInstanceOf(IOException.class);
    }

    @Test
    void read_headerCrcThatDoesNotMatch_fails() {
        byte[] member = member("x".getBytes(StandardCharsets.UTF_8), 2, true);
        member[10] ^= 1;

        assertThatThrownBy(() -> new GzipMembers(new ByteArrayInputStream(member), 512))
                .isInstanceOf(ZipException.class)
                .hasMessageContaining("header's CRC");
    }

    @Test
    void read_contentCrcThatDoesNotMatch_fails() {
        byte[] member = gzip("some content\n".getBytes(StandardCharsets.UTF_8));
        member[member.length - 8] ^= 1;

        assertThatThrownBy(() -> readAll(new ByteArrayInputStream(member)))
                .isInstanceOf(ZipException.class)
                .hasMessageContaining("CRC");
    }

    @Test
    void read_memberCutShort_failsWithEndOfFile() {
        byte[] whole = gzip(randomText(50_000, 4));

        assertThatThrownBy(() -> readAll(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length / 2))))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> readAll(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 3))))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void create_notGzip_failsAtOnce() {
        assertThatThrownBy(() -> new GzipMembers(new ByteArrayInputStream("{\"a\":1}".getBytes()), 512))
                .isInstanceOf(ZipException.class);
        assertThatThrownBy(() -> new GzipMembers(new ByteArrayInputStream(new byte[0]), 512))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void read_singleBytes_giveTheSameContent() throws IOException {
        byte[] content = randomText(3_000, 5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipMembers in = new GzipMembers(new ByteArrayInputStream(concat(gzip(content), gzip(content))), 64)) {
            for (int b = in.read(); b != -1; b = in.read()) {
                out.write(b);
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(out.toByteArray()).isEqualTo(concat(content, content));
    }

    @Test
    void skippingDamage_damagedMiddleMember_theMembersAfterItAreRead() throws IOException {
        byte[] first = randomText(2_000, 6);
        byte[] last = randomText(2_000, 7);
        for (int bufferSize : new int[] {16, 64, 1024, 16384}) {
            byte[] middle = gzip(randomText(5_000, 8));
            middle[middle.length / 2] ^= 0x55;
            byte[] garbage = "not a member".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GzipMembers in = GzipMembers.skippingDamage(
                    new ByteArrayInputStream(concat(concat(gzip(first), middle), concat(gzip(last), garbage))),
                    bufferSize)) {
                byte[] chunk = new byte[700];
                for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
                    out.write(chunk, 0, n);
                }
                assertThat(in.damage()).as("buffer %d", bufferSize).isPresent();
                assertThat(in.damagedStretches()).isEqualTo(2); // the middle member and the garbage at the end
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(text).as("buffer %d", bufferSize).startsWith(new String(first, StandardCharsets.UTF_8));
            assertThat(text).contains("\n" + new String(last, StandardCharsets.UTF_8));
        }
    }

    @Test
    void skippingDamage_wholeMembers_sayNoDamage() throws IOException {
        byte[] content = randomText(3_000, 9);
        try (GzipMembers in =
                GzipMembers.skippingDamage(new ByteArrayInputStream(concat(gzip(content), gzip(content))), 64)) {
            assertThat(in.readAllBytes()).isEqualTo(concat(content, content));
            assertThat(in.damage()).isEmpty();
        }
    }

    private static byte[] readAll(InputStream source) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(source, out);
        return out.toByteArray();
    }

    private static void copy(InputStream source, ByteArrayOutputStream out) throws IOException {
        try (GzipMembers in = new GzipMembers(source, 1024)) {
            byte[] chunk = new byte[3000];
            for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
                out.write(chunk, 0, n);
            }
        }
    }

    /** A source that says nothing is available and returns at most {@code most} bytes a read, as a socket may. */
    private static InputStream trickle(byte[] bytes, int most) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, most));
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    private static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A member with the optional header fields {@code flags} names (RFC 1952 2.3.1), written by hand. */
    private static byte[] member(byte[] content, int flags, boolean withFields) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 0, 0, 0, 0, 0, (byte) 255});
        if (withFields && (flags & 4) != 0) {
            header.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'});
        }
        if (withFields && (flags & 8) != 0) {
            header.writeBytes("usage.ndjson\0".getBytes(StandardCharsets.ISO_8859_1));
        }
        if (withFields && (flags & 16) != 0) {
            header.writeBytes("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
        }
        if ((flags & 2) != 0) {
            CRC32 crc = new CRC32();
            crc.update(header.toByteArray());
            int value = (int) crc.getValue();
            header.writeBytes(new byte[] {(byte) value, (byte) (value >>> 8)});
        }
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(content);
        deflater.finish();
        byte[] deflated = new byte[content.length + 64];
        int n = deflater.deflate(deflated);
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(content);
        return concat(
                header.toByteArray(),
                Arrays.copyOf(deflated, n),
                littleEndian(crc.getValue()),
                littleEndian(content.length));
    }

    private static byte[] littleEndian(long value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }

    private static byte[] randomText(int length, long seed) {
        Random random = new Random(seed);
        byte[] text = new byte[length];
        for (int i = 0; i < length; i++) {
            text[i] = i % 80 == 79 ? (byte) '\n' : (byte) ('a' + random.nextInt(26));
        }
        return text;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
