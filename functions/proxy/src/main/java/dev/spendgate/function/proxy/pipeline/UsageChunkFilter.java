package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.usage.SseLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Keeps from a client the usage-only chunk ({@code "choices":[]} with a {@code usage} object) of an OpenAI-format chat
 * stream that Spendgate asked the provider for and the client did not: OpenAI sends that chunk only when asked, and
 * client code reading {@code chunk.choices[0]} fails on it. Events end at a blank line, lines at CRLF, LF or a lone CR
 * ({@link SseLines}). The relay's bytes pass through unchanged otherwise, whole
 * events at a time: an event still arriving is held back until its blank line (a client acts on nothing before it),
 * unless it fills the relay's buffer, when what has arrived of it passes. The first {@code "choices"} key, near the
 * front of every chunk, says whether an event can be the usage chunk; only then is the rest of it looked at.
 */
final class UsageChunkFilter {
    private static final byte[] CHOICES = "\"choices\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    /** Part of the current event already went out (it filled a buffer): it passes whole. */
    private boolean midEvent;
    /** Where the held-back bytes at the start of the buffer end: they were scanned already. */
    private int scanFrom;
    /** Line and event ends, carried across writes (a CR at the end of one may have its LF in the next). */
    private final SseLines lines = new SseLines();
    /** The last event ended was kept from the client: the LF of its CRLF, arriving next, is kept too. */
    private boolean dropped;

    /**
     * Writes {@code buffer[0, length)} but a usage-only event to {@code sink}; returns how many bytes, the start of an
     * unfinished event, it moved to the start of {@code buffer} to be written with what follows. {@code last}: the
     * stream has ended, everything left is written.
     */
    int write(ResponseSink sink, byte[] buffer, int length, boolean last) throws IOException {
        int run = 0; // start of the bytes not yet written
        int event = 0; // start of the event being scanned
        for (int i = scanFrom; i < length; i++) {
            int kind = lines.next(buffer[i]);
            if (kind == SseLines.SAME_LINE_END && event == i) {
                // the LF of the CRLF that ended the event before: it goes where that event went
                if (dropped) {
                    if (i > run) {
                        sink.write(buffer, run, i - run);
                    }
                    run = i + 1;
                }
                event = i + 1;
                continue;
            }
            if (kind != SseLines.EVENT_END) {
                continue;
            }
            int end = i + 1;
            dropped = false;
            if (midEvent) {
                midEvent = false;
            } else if (usageOnly(buffer, event, end)) {
                if (event > run) {
                    sink.write(buffer, run, event - run);
                }
                run = end;
                dropped = true;
            }
            event = end;
        }
        scanFrom = 0;
        if (last) {
            if (length > run) {
                sink.write(buffer, run, length - run);
            }
            midEvent = false;
            return 0;
        }
        if (event == 0 && length == buffer.length) {
            // one event fills the buffer: it goes out but for its last two bytes, the start of a blank line maybe
            event = length - 2;
            midEvent = true;
        }
        if (event > run) {
            sink.write(buffer, run, event - run);
        }
        int held = length - event;
        System.arraycopy(buffer, event, buffer, 0, held);
        scanFrom = held; // scanned: the scan goes on with what the next read adds
        return held;
    }

    /** Whether the event's first {@code "choices"} is an empty array and it carries a {@code usage} object. */
    static boolean usageOnly(byte[] b, int from, int to) {
        int choices = indexOf(b, from, to, CHOICES);
        if (choices < 0) {
            return false;
        }
        int i = skipSpaces(b, choices + CHOICES.length, to);
        if (i >= to || b[i] != ':') {
            return false;
        }
        i = skipSpaces(b, i + 1, to);
        if (i >= to || b[i] != '[') {
            return false;
        }
        i = skipSpaces(b, i + 1, to);
        if (i >= to || b[i] != ']') {
            return false;
        }
        for (int u = indexOf(b, from, to, USAGE); u >= 0; u = indexOf(b, u + 1, to, USAGE)) {
            int j = skipSpaces(b, u + USAGE.length, to);
            if (j < to && b[j] == ':') {
                j = skipSpaces(b, j + 1, to);
                if (j < to && b[j] == '{') {
                    return true;
                }
            }
        }
        return false;
    }

    private static int skipSpaces(byte[] b, int i, int to) {
        while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    private static int indexOf(byte[] b, int from, int to, byte[] needle) {
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
