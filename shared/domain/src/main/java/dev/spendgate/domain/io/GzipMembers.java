package dev.spendgate.domain.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The decompressed content of every member of a gzip stream (RFC 1952, section 2.2: a file is one or more members
 * back to back), failing with a {@link ZipException} on anything after a member that is not another whole member.
 *
 * <p>{@link java.util.zip.GZIPInputStream} does not serve a reader of usage logs: after the first member it looks for
 * another only when the source's {@code available()} says more bytes are ready, which a network stream (an S3 object
 * read through the AWS SDK) may not say; and a damaged header on a later member ends its stream as if the data had
 * ended there. Either way records vanish without an error, and which JDK update runs decides when (JDK-7036144,
 * JDK-8322256). This stream reads until its source ends and treats what is not a member as damage. The JDK's
 * {@link Inflater} does the decompressing; only the member framing is here.
 *
 * <p>Not thread-safe. Closing it closes the source.
 */
public final class GzipMembers extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED = 0xe0;

    private final PushbackInputStream in;
    private final byte[] buf;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Bytes of {@link #buf} last handed to the inflater, to push back what it did not use. */
    private int filled;

    private boolean ended;
    private boolean closed;

    /** Whether damage skips to the next member's header instead of failing the read. */
    private final boolean skipDamage;
    /** The first damage met, when skipping damage; null while the stream is whole. */
    private IOException damage;
    /** Damaged stretches skipped, when skipping damage. */
    private int damagedStretches;
    /** A line break owed to the reader where a damaged stretch was skipped, so no cut line joins the next one. */
    private boolean breakOwed;

    /**
     * Reads the first member's header from {@code in}.
     *
     * @throws ZipException if {@code in} does not start with a gzip header
     * @throws EOFException if it ends within the header
     */
    public GzipMembers(InputStream in, int bufferSize) throws IOException {
        this(in, bufferSize, false);
    }

    /**
     * As {@link #GzipMembers(InputStream, int)}, but damage after the first header (damaged compressed data, a bad
     * trailer, a cut member, bytes that are not a member) does not fail the read: the stream looks for the next
     * member's header ({@code 1f 8b 08}) in the bytes the damaged member did not use and goes on from there, a line
     * break ({@code \n}) standing for what was lost so that a cut line does not join the next member's first. What was
     * skipped is said by {@link #damage()} and {@link #damagedStretches()}. The members after a damaged one are whole
     * and decode on their own (RFC 1952, 2.2), so their records are not lost with it.
     */
    public static GzipMembers skippingDamage(InputStream in, int bufferSize) throws IOException {
        return new GzipMembers(in, bufferSize, true);
    }

    private GzipMembers(InputStream in, int bufferSize, boolean skipDamage) throws IOException {
        Objects.requireNonNull(in, "in");
        this.skipDamage = skipDamage;
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("bufferSize must be positive, was " + bufferSize);
        }
        this.buf = new byte[bufferSize];
        this.in = new PushbackInputStream(in, bufferSize);
        try {
            readHeader();
        } catch (IOException | RuntimeException e) {
            inflater.end();
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            if (breakOwed) {
                breakOwed = false;
                b[off] = '\n';
                return 1;
            }
            try {
                int n = step(b, off, len);
                if (n > 0) {
                    return n;
                }
            } catch (ZipException | EOFException e) {
                if (!skipDamage) {
                    throw e;
                }
                skip(e);
            }
        }
        return -1;
    }

    /** The first damage skipped, or empty while the stream is whole (always empty unless skipping damage). */
    public java.util.Optional<IOException> damage() {
        return java.util.Optional.ofNullable(damage);
    }

    /** Damaged stretches skipped so far (0 unless skipping damage). */
    public int damagedStretches() {
        return damagedStretches;
    }

    /** One step of decoding: bytes decompressed into {@code b}, or 0 when the step only moved the framing on. */
    private int step(byte[] b, int off, int len) throws IOException {
        int n = inflate(b, off, len);
        if (n > 0) {
            crc.update(b, off, n);
            return n;
        }
        if (inflater.finished()) {
            endMember();
        } else if (inflater.needsDictionary()) {
            throw new ZipException("gzip member needs a preset dictionary");
        } else if (inflater.needsInput()) {
            filled = in.read(buf, 0, buf.length);
            if (filled < 0) {
                throw new EOFException("gzip member ends before its compressed data does");
            }
            inflater.setInput(buf, 0, filled);
        }
        return 0;
    }

    /**
     * Skips a damaged stretch: the input the inflater did not use goes back to the source, which is searched for the
     * next member's header; the stream ends when there is none. Every call consumes at least one byte of the source
     * (the header bytes a failed attempt read, or the damaged member's), so a run of false headers ends.
     */
    private void skip(IOException e) throws IOException {
        if (damage == null) {
            damage = e;
        }
        damagedStretches++;
        int unused = inflater.getRemaining();
        if (unused > 0) {
            in.unread(buf, filled - unused, unused);
        }
        inflater.reset();
        crc.reset();
        breakOwed = true;
        int carried = 0; // the last bytes searched, which may start a header cut by the buffer's end
        while (true) {
            int n = in.read(buf, carried, buf.length - carried);
            if (n < 0) {
                ended = true;
                return;
            }
            n += carried;
            for (int i = 0; i + 2 < n; i++) {
                if (buf[i] == 0x1f && buf[i + 1] == (byte) 0x8b && buf[i + 2] == 8) {
                    in.unread(buf, i, n - i);
                    try {
                        readHeader();
                        return;
                    } catch (ZipException | EOFException notAHeader) {
                        n = 0; // a chance 1f 8b 08 in the damaged bytes: the search goes on past what it read
                        break;
                    }
                }
            }
            carried = Math.min(2, n);
            System.arraycopy(buf, n - carried, buf, 0, carried);
        }
    }

    @Override
    public int available() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        return ended ? 0 : 1;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            inflater.end();
            in.close();
        }
    }

    private int inflate(byte[] b, int off, int len) throws ZipException {
        try {
            return inflater.inflate(b, off, len);
        } catch (DataFormatException e) {
            throw new ZipException("damaged gzip data: " + e.getMessage());
        }
    }

    /** Checks the finished member's trailer, then starts the next member or ends the stream at the source's end. */
    private void endMember() throws IOException {
        int unused = inflater.getRemaining();
        long written = inflater.getBytesWritten();
        if (unused > 0) {
            in.unread(buf, filled - unused, unused);
        }
        inflater.reset(); // its unused input is back in the source: a damaged trailer must not return it twice
        long expectedCrc = readInt();
        long expectedSize = readInt();
        if (expectedCrc != crc.getValue()) {
            throw new ZipException("gzip member's CRC does not match its content");
        }
        if (expectedSize != (written & 0xffffffffL)) {
            throw new ZipException("gzip member's size does not match its content");
        }
        int next = in.read();
        if (next == -1) {
            ended = true;
            return;
        }
        in.unread(next);
        inflater.reset();
        crc.reset();
        readHeader();
    }

    private void readHeader() throws IOException {
        CRC32 headerCrc = new CRC32();
        int id1 = readByte(headerCrc);
        int id2 = readByte(headerCrc);
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new ZipException("not a gzip member header");
        }
        if (readByte(headerCrc) != 8) {
            throw new ZipException("gzip member not compressed with deflate");
        }
        int flags = readByte(headerCrc);
        if ((flags & RESERVED) != 0) {
            throw new ZipException("gzip member header sets reserved flags");
        }
        for (int i = 0; i < 6; i++) { // modification time, extra flags, operating system
            readByte(headerCrc);
        }
        if ((flags & FEXTRA) != 0) {
            int length = readByte(headerCrc) | readByte(headerCrc) << 8;
            for (int i = 0; i < length; i++) {
                readByte(headerCrc);
            }
        }
        if ((flags & FNAME) != 0) {
            while (readByte(headerCrc) != 0) {
                // the original file name, not used
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (readByte(headerCrc) != 0) {
                // a comment, not used
            }
        }
        if ((flags & FHCRC) != 0) {
            int expected = readByte(null) | readByte(null) << 8;
            if (expected != (int) (headerCrc.getValue() & 0xffff)) {
                throw new ZipException("gzip member header's CRC does not match");
            }
        }
    }

    private int readByte(CRC32 headerCrc) throws IOException {
        int b = in.read();
        if (b == -1) {
            throw new EOFException("gzip member header cut short");
        }
        if (headerCrc != null) {
            headerCrc.update(b);
        }
        return b;
    }

    /** A little-endian unsigned 32-bit trailer field. */
    private long readInt() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 32; shift += 8) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("gzip member trailer cut short");
            }
            value |= (long) b << shift;
        }
        return value;
    }
}
