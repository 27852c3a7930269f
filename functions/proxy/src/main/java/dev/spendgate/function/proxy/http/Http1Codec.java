package dev.spendgate.function.proxy.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The HTTP/1.1 framing the gateway still does by hand, in one place: the upstream client, the Lambda Runtime API
 * client and the streamed response to it read response heads and bodies and write chunks through here (the local
 * server is Jetty's). Reads a status line and header fields, skips interim 1xx answers, and frames the body by RFC
 * 9112 section 6.3: none for 204/304, chunked, {@code Content-Length}, or until the connection closes.
 */
public final class Http1Codec {
    /** The largest response head (status line plus header lines) accepted from a peer. */
    public static final int MAX_HEAD_BYTES = 64 * 1024;

    /** The most interim (1xx) answers read before a response: a peer sending more is not answering. */
    public static final int MAX_INTERIM_ANSWERS = 10;

    /** The last chunk of a chunked body, with no trailers. */
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] CRLF = {'\r', '\n'};

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Http1Codec() {}

    /** A response's status line and header fields; {@code peer} names the other side in error messages. */
    public record ResponseHead(int status, boolean http10, Headers headers, String peer) {
        /** Whether the connection may carry another exchange once this body was read to its end. */
        public boolean keepAlive() {
            String connection = lowerOrEmpty(headers.first("connection"));
            return http10 ? connection.contains("keep-alive") : !connection.contains("close");
        }
    }

    /**
     * Reads the next response head, past up to {@value #MAX_INTERIM_ANSWERS} interim answers (100 Continue). Returns
     * null when the connection closed before a byte of it arrived (a pooled connection the peer had dropped).
     */
    public static ResponseHead readResponseHead(ConnectionInput in, String peer) throws IOException {
        String statusLine = in.readLine(true, MAX_HEAD_BYTES);
        if (statusLine == null) {
            return null;
        }
        for (int interim = 0; ; interim++) {
            int status = status(statusLine, peer);
            Headers headers = readHeaders(in, peer);
            if (status >= 100 && status < 200 && status != 101) {
                if (interim == MAX_INTERIM_ANSWERS) {
                    throw new IOException(peer + " sent more than " + MAX_INTERIM_ANSWERS + " interim answers");
                }
                statusLine = in.readLine(false, MAX_HEAD_BYTES);
                continue;
            }
            return new ResponseHead(status, statusLine.startsWith("HTTP/1.0"), headers, peer);
        }
    }

    /** The body that follows {@code head} on {@code in}, decoded from its framing. */
    public static FramedBody body(ConnectionInput in, ResponseHead head) throws IOException {
        if (head.status() == 204 || head.status() == 304) {
            return new FixedLengthBody(in, 0, head.peer());
        }
        if (lowerOrEmpty(head.headers().first("transfer-encoding")).contains("chunked")) {
            return new ChunkedBody(in, head.peer());
        }
        if (head.headers().contains("content-length")) {
            return new FixedLengthBody(in, contentLength(head), head.peer());
        }
        return new UntilCloseBody(in);
    }

    /**
     * The body length a response's {@code Content-Length} fields give. One length listed more than once ({@code 52,
     * 52}, or in two fields, as an intermediary that folds duplicate fields sends it) is that length (RFC 9110 section
     * 8.6); lengths that differ, or one that is not a number, are a framing error.
     */
    private static long contentLength(ResponseHead head) throws IOException {
        long length = -1;
        for (String value : head.headers().all("content-length")) {
            for (int start = 0, end; start <= value.length(); start = end + 1) {
                end = value.indexOf(',', start);
                end = end < 0 ? value.length() : end;
                long n;
                try {
                    n = Long.parseLong(value.substring(start, end).trim());
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 0 || (length >= 0 && n != length)) {
                    throw new IOException("bad Content-Length from " + head.peer() + ": " + abbreviate(value));
                }
                length = n;
            }
        }
        return length;
    }

    /** Writes one chunk ({@code length} must be positive: an empty chunk would end the body). */
    public static void writeChunk(OutputStream out, byte[] bytes, int offset, int length) throws IOException {
        if (length <= 0) {
            throw new IllegalArgumentException("a chunk needs at least one byte");
        }
        byte[] size = new byte[10]; // up to 8 hex digits and CRLF
        int at = size.length - 2;
        size[at] = '\r';
        size[at + 1] = '\n';
        for (int n = length; n != 0; n >>>= 4) {
            size[--at] = HEX[n & 0xf];
        }
        out.write(size, at, size.length - at);
        out.write(bytes, offset, length);
        out.write(CRLF);
    }

    /** Ends a chunked body (no trailers). */
    public static void writeLastChunk(OutputStream out) throws IOException {
        out.write(LAST_CHUNK);
    }

    /** Whether a header field can be sent as is: no line break that would start a field or a request of its own. */
    public static boolean sendable(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                return false;
            }
        }
        return !name.isEmpty() && name.indexOf(':') < 0 && name.indexOf('\r') < 0 && name.indexOf('\n') < 0;
    }

    public static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static int status(String statusLine, String peer) throws IOException {
        // HTTP/1.1 200 OK
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("malformed status line from " + peer + ": " + abbreviate(statusLine));
        }
        try {
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line from " + peer + ": " + abbreviate(statusLine));
        }
    }

    private static Headers readHeaders(ConnectionInput in, String peer) throws IOException {
        Headers headers = new Headers();
        int total = 0;
        for (String line = in.readLine(false, MAX_HEAD_BYTES);
                !line.isEmpty();
                line = in.readLine(false, MAX_HEAD_BYTES)) {
            total += line.length();
            if (total > MAX_HEAD_BYTES) {
                throw new IOException("response headers from " + peer + " too large");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line from " + peer + ": " + abbreviate(line));
            }
            headers.add(
                    line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return headers;
    }

    private static String lowerOrEmpty(String value) {
        return value == null ? "" : value.toLowerCase(Locale.ROOT);
    }

    /** A response body read through its framing. */
    public abstract static class FramedBody extends InputStream {
        /** Whether the body was read to its framed end, so the connection can carry another exchange. */
        public abstract boolean ended();

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** A body of known length. */
    public static final class FixedLengthBody extends FramedBody {
        private final ConnectionInput in;
        private final String peer;
        private long remaining;

        FixedLengthBody(ConnectionInput in, long length, String peer) {
            this.in = in;
            this.remaining = length;
            this.peer = peer;
        }

        /** Bytes not yet read. */
        public long remaining() {
            return remaining;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException(peer + " closed the connection " + remaining + " bytes before the end");
            }
            remaining -= n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(remaining, in.available());
        }

        @Override
        public boolean ended() {
            return remaining <= 0;
        }
    }

    /**
     * A chunked body, decoded; chunk extensions and trailers are read and dropped. {@link #available} looks past chunk
     * boundaries in what has already arrived (without blocking), so a relay can pass on several chunks in one write.
     */
    public static final class ChunkedBody extends FramedBody {
        private final ConnectionInput in;
        private final String peer;
        private long chunkLeft;
        private boolean afterData;
        private boolean lastChunk;
        private boolean ended;

        ChunkedBody(ConnectionInput in, String peer) {
            this.in = in;
            this.peer = peer;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (chunkLeft == 0 && !nextChunk(true)) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new IOException(peer + " closed the connection inside a chunk");
            }
            chunkLeft -= n;
            afterData = chunkLeft == 0;
            return n;
        }

        /** Decoded bytes readable without blocking: what has arrived of the current chunk, or of the next one. */
        @Override
        public int available() throws IOException {
            if (ended || (chunkLeft == 0 && !nextChunk(false))) {
                return 0;
            }
            return (int) Math.min(chunkLeft, in.available());
        }

        /**
         * Moves to the next chunk's data past the CRLF closing the previous one, its size line and, at the last
         * chunk, the trailers. Returns false at the body's end, or when {@code block} is false and the next line has
         * not fully arrived yet.
         */
        private boolean nextChunk(boolean block) throws IOException {
            while (chunkLeft == 0) {
                if (ended || (!block && !in.hasLine())) {
                    return false;
                }
                String line = in.readLine(false, MAX_HEAD_BYTES);
                if (afterData) {
                    if (!line.isEmpty()) {
                        throw new IOException("malformed chunk from " + peer + ": no CRLF after the data");
                    }
                    afterData = false;
                } else if (lastChunk) {
                    ended = line.isEmpty(); // trailer fields are dropped
                } else {
                    chunkLeft = chunkSize(line);
                    lastChunk = chunkLeft == 0;
                }
            }
            return true;
        }

        private long chunkSize(String line) throws IOException {
            int semicolon = line.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon >= 0 ? line.substring(0, semicolon) : line).trim(), 16);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 0) {
                throw new IOException("malformed chunk size from " + peer + ": " + abbreviate(line));
            }
            return size;
        }

        @Override
        public boolean ended() {
            return ended;
        }
    }

    /** A body that ends when the peer closes the connection (no length, not chunked); never reusable. */
    public static final class UntilCloseBody extends FramedBody {
        private final ConnectionInput in;

        UntilCloseBody(ConnectionInput in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public int available() {
            return in.available();
        }

        @Override
        public boolean ended() {
            return false;
        }
    }
}
