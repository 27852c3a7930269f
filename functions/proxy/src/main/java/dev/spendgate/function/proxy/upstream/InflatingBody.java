package dev.spendgate.function.proxy.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip- or deflate-coded response body, decoded as it is read: the client gets the JSON or the stream it asked for,
 * and the usage in it is read. Spendgate asks for {@code Accept-Encoding: identity}; this is for an upstream that codes
 * its answers anyway.
 *
 * <p>gzip (RFC 1952) is a series of members: a stream that gzips each flushed event as its own member is read member
 * after member, each read waiting for the next member's bytes as for any others (the JDK's {@code GZIPInputStream}
 * before JDK 23 ended the stream at a member boundary when the next member had not arrived yet, JDK-7036144). deflate
 * (RFC 9110 8.4.1.2) is the zlib format; a raw deflate body, as some servers send, is read too.
 */
final class InflatingBody extends InputStream {
    private static final int GZIP_MAGIC = 0x8b1f;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream coded;
    private final boolean gzip;
    private final byte[] in = new byte[8192];
    private int pos;
    private int limit;
    private Inflater inflater;
    private final CRC32 crc = new CRC32();
    /** Inside a gzip member's (or the deflate body's) compressed data. */
    private boolean inData;

    private boolean ended;

    private InflatingBody(InputStream coded, boolean gzip) {
        this.coded = coded;
        this.gzip = gzip;
    }

    /** The body decoded, when {@code contentEncoding} is a coding this decodes; else null. */
    static InflatingBody of(String contentEncoding, InputStream coded) {
        if (contentEncoding == null) {
            return null;
        }
        String coding = contentEncoding.trim().toLowerCase(Locale.ROOT);
        return switch (coding) {
            case "gzip", "x-gzip" -> new InflatingBody(coded, true);
            case "deflate" -> new InflatingBody(coded, false);
            default -> null;
        };
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            if (!inData && !begin()) {
                ended = true;
                break;
            }
            int n = inflate(b, off, len);
            if (n > 0) {
                return n;
            }
        }
        return -1;
    }

    /** Starts the next member (gzip) or the body (deflate); false at the end of the coded body. */
    private boolean begin() throws IOException {
        if (inflater == null) {
            if (pos == limit && !fill()) {
                return false; // no body at all (an error answer that names its coding), or no further member
            }
        } else if (!gzip || (pos == limit && !fill())) {
            return false; // deflate: one body; gzip: no further member
        }
        if (gzip) {
            readGzipHeader();
            inflater = inflater == null ? new Inflater(true) : reset(inflater);
        } else {
            inflater = new Inflater(!zlibHeader());
        }
        crc.reset();
        inData = true;
        return true;
    }

    private static Inflater reset(Inflater inflater) {
        inflater.reset();
        return inflater;
    }

    /** Whether the deflate body starts with a zlib header (RFC 1950 2.2), rather than being raw deflate data. */
    private boolean zlibHeader() throws IOException {
        int cmf = in[pos] & 0xff;
        if (pos + 1 == limit && !fillMore()) {
            return false;
        }
        int flg = in[pos + 1] & 0xff;
        return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
    }

    /** Inflates into {@code b}; 0 when the member ended or more coded bytes were needed (and have been read). */
    private int inflate(byte[] b, int off, int len) throws IOException {
        try {
            if (inflater.needsInput()) {
                if (pos == limit && !fill()) {
                    throw new EOFException("the coded body ended inside its data");
                }
                inflater.setInput(in, pos, limit - pos);
                pos = limit;
            }
            int n = inflater.inflate(b, off, len);
            if (n > 0) {
                crc.update(b, off, n);
            }
            if (inflater.finished()) {
                pos = limit - inflater.getRemaining(); // bytes past the data: a trailer, the next member
                inflater.setInput(in, 0, 0);
                inData = false;
                if (gzip) {
                    readGzipTrailer();
                } else {
                    ended = n == 0;
                }
            } else if (n == 0 && inflater.needsDictionary()) {
                throw new ZipException("a deflate body that needs a preset dictionary");
            }
            return n;
        } catch (DataFormatException e) {
            throw new ZipException(e.getMessage());
        }
    }

    private void readGzipHeader() throws IOException {
        if (readShort() != GZIP_MAGIC) {
            throw new ZipException("not in gzip format");
        }
        if (readByte() != 8) {
            throw new ZipException("unsupported gzip compression method");
        }
        int flags = readByte();
        skip(6); // modification time, extra flags, operating system
        if ((flags & FEXTRA) != 0) {
            skip(readShort());
        }
        if ((flags & FNAME) != 0) {
            while (readByte() != 0) {
                // the file name
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (readByte() != 0) {
                // the comment
            }
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
    }

    private void readGzipTrailer() throws IOException {
        long sum = readInt();
        long size = readInt();
        if (sum != crc.getValue() || size != (inflater.getBytesWritten() & 0xffffffffL)) {
            throw new ZipException("corrupt gzip trailer");
        }
    }

    private long readInt() throws IOException {
        return (readShort() | ((long) readShort() << 16)) & 0xffffffffL;
    }

    private int readShort() throws IOException {
        return readByte() | (readByte() << 8);
    }

    private int readByte() throws IOException {
        if (pos == limit && !fill()) {
            throw new EOFException("the gzip body ended inside a header or trailer");
        }
        return in[pos++] & 0xff;
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readByte();
        }
    }

    /** Reads more coded bytes into the empty buffer (waiting for them); false at the end of the body. */
    private boolean fill() throws IOException {
        int n = coded.read(in, 0, in.length);
        if (n < 0) {
            pos = limit = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /** Reads more coded bytes after those buffered; false at the end of the body. */
    private boolean fillMore() throws IOException {
        if (pos > 0) {
            System.arraycopy(in, pos, in, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        int n = coded.read(in, limit, in.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    /** 0: how much decodes without waiting cannot be told from the coded bytes that have arrived. */
    @Override
    public int available() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        if (inflater != null) {
            inflater.end();
        }
        coded.close();
    }
}
