package dev.spendgate.domain.io;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * An output stream that keeps what is written in an array of exactly its size, handed over without a copy. For a
 * writer that buffers and passes its output on in one write (a Jackson generator closed before its 8,000-byte buffer
 * fills), that write's copy is the only one: a {@code ByteArrayOutputStream} costs its own buffer besides the copy
 * {@code toByteArray} makes. Each later write copies everything kept so far, so this is for a few writes only. Not
 * thread-safe.
 */
public final class ExactBytes extends OutputStream {
    private static final byte[] NONE = new byte[0];

    private byte[] bytes = NONE;

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        int size = bytes.length;
        byte[] next = Arrays.copyOf(bytes, size + len);
        System.arraycopy(b, off, next, size, len);
        bytes = next;
    }

    /** What was written; the array itself, which the caller then owns. */
    public byte[] toByteArray() {
        return bytes;
    }
}
