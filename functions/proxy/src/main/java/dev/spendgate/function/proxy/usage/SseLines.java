package dev.spendgate.function.proxy.usage;

/**
 * Where the lines and events of a {@code text/event-stream} end, one byte at a time, across reads. A line ends with
 * CRLF, LF or a lone CR (WHATWG HTML, "Server-sent events"); an event ends with an empty line. A CR is a line end as
 * soon as it is seen, so a stream whose lines end in CR alone is split without waiting for the next byte; a LF right
 * after a CR, in the same read or the next, belongs to that line end.
 */
public final class SseLines {
    /** A byte of a line's content. */
    public static final int CONTENT = 0;
    /** A line end (CR or LF) that ends a line with content. */
    public static final int LINE_END = 1;
    /** A line end that ends an empty line, so the event before it: the event ends after this byte. */
    public static final int EVENT_END = 2;
    /** The LF of a CRLF whose CR was the line end already reported. */
    public static final int SAME_LINE_END = 3;

    private boolean afterCr;
    private boolean lineStart = true;

    /** What {@code b}, the stream's next byte, is. */
    public int next(byte b) {
        if (b == '\n' && afterCr) {
            afterCr = false;
            return SAME_LINE_END;
        }
        afterCr = b == '\r';
        if (b != '\n' && b != '\r') {
            lineStart = false;
            return CONTENT;
        }
        if (lineStart) {
            return EVENT_END;
        }
        lineStart = true;
        return LINE_END;
    }
}
