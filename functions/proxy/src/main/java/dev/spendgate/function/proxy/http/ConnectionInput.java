package dev.spendgate.function.proxy.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The read side of one connection: a buffer that one thread owns (no locks, unlike {@code BufferedInputStream}),
 * with a line reader that scans the buffer instead of reading a byte at a time.
 */
public final class ConnectionInput extends InputStream {
    private final InputStream in;
    private final ReadDeadlines.Guard deadline;
    private final byte[] buffer;
    private int position;
    private int limit;
    private boolean readAny;

    public ConnectionInput(InputStream in, int size) {
        this(in, size, null);
    }

    /** With a read deadline: every blocking read must finish within the guard's timeout. */
    public ConnectionInput(InputStream in, int size, ReadDeadlines.Guard deadline) {
        this.in = in;
        this.buffer = new byte[size];
        this.deadline = deadline;
    }

    private int readFromSocket(byte[] target, int offset, int length) throws IOException {
        if (deadline == null) {
            return in.read(target, offset, length);
        }
        deadline.arm();
        try {
            return in.read(target, offset, length);
        } catch (IOException e) {
            if (deadline.fired()) {
                SocketTimeoutException timeout = new SocketTimeoutException("Read timed out");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            deadline.disarm();
        }
    }

    /**
     * Reads a CRLF- (or LF-) terminated ISO-8859-1 line of at most {@code maxLength} bytes. End of stream before any
     * byte returns null when {@code atBoundary}; anywhere else it is an error.
     */
    public String readLine(boolean atBoundary, int maxLength) throws IOException {
        byte[] spill = null;
        int spilled = 0;
        while (true) {
            if (position == limit && !fill()) {
                if (atBoundary && spilled == 0) {
                    return null;
                }
                throw new IOException("connection closed mid-request");
            }
            int start = position;
            int end = start;
            while (end < limit && buffer[end] != '\n') {
                end++;
            }
            int length = end - start;
            if (spilled + length > maxLength) {
                throw new IOException("line too long");
            }
            if (end < limit) {
                position = end + 1;
                if (spill == null) {
                    return line(buffer, start, length);
                }
                System.arraycopy(buffer, start, spill, spilled, length);
                return line(spill, 0, spilled + length);
            }
            if (spill == null) {
                spill = new byte[maxLength];
            }
            System.arraycopy(buffer, start, spill, spilled, length);
            spilled += length;
            position = limit;
        }
    }

    private static String line(byte[] bytes, int offset, int length) {
        if (length > 0 && bytes[offset + length - 1] == '\r') {
            length--;
        }
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    private boolean fill() throws IOException {
        int n = readFromSocket(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        readAny = true;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == limit) {
            if (length >= buffer.length) {
                int n = readFromSocket(target, offset, length); // large bodies skip the copy
                readAny |= n > 0;
                return n;
            }
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, n);
        position += n;
        return n;
    }

    /** Whether a whole line (up to its LF) has already arrived, so {@link #readLine} will not block. */
    public boolean hasLine() {
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Whether any byte has arrived on this connection since {@link #resetReadAny}. */
    public boolean readAny() {
        return readAny;
    }

    public void resetReadAny() {
        readAny = position < limit;
    }

    @Override
    public int available() {
        return limit - position;
    }

    /**
     * Bytes readable without blocking, buffered here or waiting in the stream below (for a socket, one {@code
     * FIONREAD}, not a read).
     */
    public int waiting() throws IOException {
        return limit - position + in.available();
    }
}
