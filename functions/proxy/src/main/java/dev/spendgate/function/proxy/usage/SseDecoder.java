package dev.spendgate.function.proxy.usage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * Incremental decoder of a {@code text/event-stream}: bytes in, events out. Handles events split across reads, lines
 * ended by CRLF, LF or a lone CR (WHATWG HTML, "Server-sent events": a CR at the end of a read is a line end whether or
 * not a LF follows in the next), and multi-line {@code data:} fields; comment lines are ignored. Events are handed over
 * as a view of the bytes ({@link Event}), so a listener that only looks for one event (the usage) decodes no other
 * into Strings.
 */
public final class SseDecoder {
    /** An unfinished event is buffered up to this size without asking. */
    static final int FREE_BYTES = 64 * 1024;

    private final Listener listener;
    private final LongPredicate grow;
    private final Event event = new Event();
    private final SseLines lines = new SseLines();
    private byte[] pending = new byte[4096];
    private int length;
    /** Bytes past {@link #FREE_BYTES} that {@link #grow} gave. */
    private long granted;
    /** The rest of an event too large to buffer is being passed over, up to its end. */
    private boolean skipping;

    private boolean dropped;

    public SseDecoder(Listener listener) {
        this(listener, bytes -> true);
    }

    /**
     * A decoder whose buffer of an unfinished event grows past {@link #FREE_BYTES} only as far as {@code grow} allows
     * (asked for each growth, in bytes): an event larger than that is passed over unread ({@link #dropped}), so an
     * upstream that never ends its event cannot take the process's memory.
     */
    public SseDecoder(Listener listener, LongPredicate grow) {
        this.listener = listener;
        this.grow = grow;
    }

    public void feed(byte[] bytes, int offset, int count) {
        int end = offset + count;
        if (length == 0) {
            // nothing buffered: events are read where they are, and only an unfinished one is kept
            int start = dispatchAll(bytes, offset, offset, end);
            keep(bytes, start, end);
            return;
        }
        int scanned = length; // what is buffered was scanned: the scan goes on where it stopped
        if (!append(bytes, offset, count)) {
            // too large to hold: the unfinished event is dropped and the rest of it passed over
            drop();
            int start = dispatchAll(bytes, offset, offset, end);
            keep(bytes, start, end);
            return;
        }
        int start = dispatchAll(pending, 0, scanned, length);
        if (start > 0) {
            System.arraycopy(pending, start, pending, 0, length - start);
            length -= start;
        }
    }

    /** Whether an event was passed over unread, being larger than the buffer could grow. */
    public boolean dropped() {
        return dropped;
    }

    /** Keeps {@code b[start, end)}, the start of an unfinished event, unless it is the rest of a dropped one. */
    private void keep(byte[] b, int start, int end) {
        if (!skipping && !append(b, start, end - start)) {
            drop();
        }
    }

    private void drop() {
        dropped = true;
        skipping = true;
        length = 0;
        pending = new byte[4096]; // what was granted stays counted: the buffer may grow again
    }

    /** Events still buffered without their closing blank line are discarded: the stream was cut mid-event. */
    public boolean hasPartialEvent() {
        if (skipping) {
            return true;
        }
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(pending[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Dispatches every event in {@code b[from, to)} that ends with a blank line, scanning from {@code scanFrom} (the
     * bytes before it were scanned by an earlier feed); returns where the rest starts.
     */
    private int dispatchAll(byte[] b, int from, int scanFrom, int to) {
        int start = from;
        for (int i = scanFrom; i < to; i++) {
            switch (lines.next(b[i])) {
                case SseLines.EVENT_END -> {
                    if (skipping) {
                        skipping = false; // the end of the dropped event
                    } else {
                        dispatch(b, start, i);
                    }
                    start = i + 1;
                }
                case SseLines.SAME_LINE_END -> {
                    if (start == i) {
                        start = i + 1; // the LF of the CRLF that ended the event before
                    }
                }
                default -> {}
            }
        }
        return start;
    }

    /** One event's lines, {@code b[from, to)}, each with its line end (without the blank line that ended it). */
    private void dispatch(byte[] b, int from, int to) {
        event.reset(b);
        int line = from;
        while (line < to) {
            int stop = line;
            while (stop < to && b[stop] != '\n' && b[stop] != '\r') {
                stop++;
            }
            if (startsWith(b, line, stop, DATA)) {
                int value = line + DATA.length;
                if (value < stop && b[value] == ' ') {
                    value++;
                }
                event.addData(value, stop);
            } else if (startsWith(b, line, stop, EVENT)) {
                int value = line + EVENT.length;
                int valueEnd = stop;
                while (value < valueEnd && (b[value] & 0xff) <= ' ') {
                    value++;
                }
                while (valueEnd > value && (b[valueEnd - 1] & 0xff) <= ' ') {
                    valueEnd--;
                }
                event.name(value, valueEnd);
            }
            line = stop + 1 < to && b[stop] == '\r' && b[stop + 1] == '\n' ? stop + 2 : stop + 1;
        }
        if (event.hasData || event.nameFrom >= 0) {
            listener.onEvent(event);
        }
    }

    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);

    private static boolean startsWith(byte[] b, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Appends to the unfinished event; false, appending nothing, when the buffer may not grow that far. */
    private boolean append(byte[] bytes, int offset, int count) {
        if (count <= 0) {
            return true;
        }
        if (length + count > pending.length) {
            int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) length + count, pending.length * 2L));
            if (grown < length + count) {
                return false;
            }
            // the new buffer and the old one live together while the copy is made
            long need = (long) grown + pending.length - FREE_BYTES - granted;
            if (need > 0) {
                if (!grow.test(need)) {
                    return false;
                }
                granted += need;
            }
            pending = Arrays.copyOf(pending, grown);
        }
        System.arraycopy(bytes, offset, pending, length, count);
        length += count;
        return true;
    }

    /** Receives each complete event. */
    public interface Listener {
        /** The event's {@code event:} name (or null) and its data. */
        void onEvent(String event, String data);

        /**
         * The event as bytes, valid only during the call; the default decodes its name and data for {@link
         * #onEvent(String, String)}.
         */
        default void onEvent(Event event) {
            onEvent(event.name(), event.data());
        }
    }

    /**
     * One event as a view of the bytes it arrived in: its name and its data (the {@code data:} lines joined with LF),
     * UTF-8. A decoder reuses it for the next event: keep what is needed, not the view.
     */
    public static final class Event {
        private byte[] bytes;
        private int nameFrom = -1;
        private int nameTo;
        private String name;
        private boolean hasData;
        private byte[] data;
        private int dataFrom;
        private int dataTo;
        private byte[] joined = new byte[0];
        private String text;

        /** An event of the given name (or null) and data, for a decoder that has them as Strings. */
        public static Event of(String name, String data) {
            return of(name, data.getBytes(StandardCharsets.UTF_8));
        }

        /** An event of the given name (or null) and data bytes. */
        public static Event of(String name, byte[] data) {
            Event e = new Event();
            e.reset(data);
            e.name = name;
            e.hasData = true;
            e.data = data;
            e.dataFrom = 0;
            e.dataTo = data.length;
            return e;
        }

        private void reset(byte[] source) {
            bytes = source;
            nameFrom = -1;
            name = null;
            hasData = false;
            data = source;
            dataFrom = 0;
            dataTo = 0;
            text = null;
        }

        private void name(int from, int to) {
            nameFrom = from;
            nameTo = to;
            name = null;
        }

        private void addData(int from, int to) {
            if (!hasData) {
                hasData = true;
                data = bytes;
                dataFrom = from;
                dataTo = to;
                return;
            }
            // a second data line: the value is the lines joined with LF
            int first = dataTo - dataFrom;
            int size = first + 1 + (to - from);
            if (data != joined) { // the first line is still where it arrived: copy it over
                if (joined.length < size) {
                    joined = new byte[Math.max(size, 256)];
                }
                System.arraycopy(data, dataFrom, joined, 0, first);
            } else if (joined.length < size) {
                joined = Arrays.copyOf(joined, Math.max(size, joined.length * 2));
            }
            joined[first] = '\n';
            System.arraycopy(bytes, from, joined, first + 1, to - from);
            data = joined;
            dataFrom = 0;
            dataTo = size;
        }

        /** The {@code event:} name, or null when the event has none. */
        public String name() {
            if (name == null && nameFrom >= 0) {
                name = new String(bytes, nameFrom, nameTo - nameFrom, StandardCharsets.UTF_8);
            }
            return name;
        }

        /** Whether the name is {@code expected} (ASCII), without decoding it. */
        public boolean nameIs(String expected) {
            if (name != null || nameFrom < 0) {
                return expected.equals(name);
            }
            return nameTo - nameFrom == expected.length() && regionIs(bytes, nameFrom, expected);
        }

        /** Whether the name ends with {@code suffix} (ASCII), without decoding it. */
        public boolean nameEndsWith(String suffix) {
            if (name != null || nameFrom < 0) {
                return name != null && name.endsWith(suffix);
            }
            return nameTo - nameFrom >= suffix.length() && regionIs(bytes, nameTo - suffix.length(), suffix);
        }

        /** The data, decoded; empty when the event has none. */
        public String data() {
            if (text == null) {
                text = new String(data, dataFrom, dataTo - dataFrom, StandardCharsets.UTF_8);
            }
            return text;
        }

        /** Whether the data contains {@code needle} (ASCII bytes), without decoding it. */
        public boolean dataContains(byte[] needle) {
            int last = dataTo - needle.length;
            outer:
            for (int i = dataFrom; i <= last; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (data[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }

        /** The array holding the data, from {@link #dataOffset} for {@link #dataLength} bytes. */
        public byte[] dataBytes() {
            return data;
        }

        public int dataOffset() {
            return dataFrom;
        }

        public int dataLength() {
            return dataTo - dataFrom;
        }

        private static boolean regionIs(byte[] b, int from, String ascii) {
            for (int i = 0; i < ascii.length(); i++) {
                if (b[from + i] != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }
}
