package dev.spendgate.function.proxy.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A gzip-coded response body, decoded as it is read: the client gets the JSON or the stream it asked for, and the
 * usage in it is read. Spendgate asks for {@code Accept-Encoding: identity}; this is for an upstream that codes its
 * answers anyway.
 */
final class GunzipBody extends InputStream {
    private final InputStream coded;
    private GZIPInputStream decoded; // opened at the first read: its constructor reads the gzip header, which may wait
    private boolean empty;

    GunzipBody(InputStream coded) {
        this.coded = coded;
    }

    /** Whether the headers say the body is gzip-coded. */
    static boolean coded(String contentEncoding) {
        if (contentEncoding == null) {
            return false;
        }
        String coding = contentEncoding.trim();
        return coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (decoded == null) {
            if (empty) {
                return -1;
            }
            try {
                decoded = new GZIPInputStream(coded, 8192);
            } catch (EOFException e) {
                empty = true; // no body at all (an error answer that names its coding): nothing to decode
                return -1;
            }
        }
        return decoded.read(b, off, len);
    }

    /** 0: how much decodes without waiting cannot be told from the coded bytes that have arrived. */
    @Override
    public int available() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        if (decoded != null) {
            decoded.close(); // frees the inflater's native memory, then closes the coded body
        } else {
            coded.close();
        }
    }
}
