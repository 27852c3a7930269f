package dev.spendgate.function.proxy.usage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental decoder of a {@code text/event-stream}: bytes in, events out. Handles events split across reads, CRLF
 * line ends and multi-line {@code data:} fields; comment lines are ignored.
 */
public final class SseDecoder {
    private final Listener listener;
    private byte[] pending = new byte[4096];
    private int length;

    public SseDecoder(Listener listener) {
        this.listener = listener;
    }

    public void feed(byte[] bytes, int offset, int count) {
        ensure(length + count);
        System.arraycopy(bytes, offset, pending, length, count);
        length += count;
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (pending[i] != '\n') {
                continue;
            }
            boolean blank = i + 1 < length && pending[i + 1] == '\n';
            boolean blankCrlf = i + 2 < length && pending[i + 1] == '\r' && pending[i + 2] == '\n';
            if (blank || blankCrlf) {
                dispatch(start, i);
                i += blank ? 1 : 2;
                start = i + 1;
            }
        }
        if (start > 0) {
            System.arraycopy(pending, start, pending, 0, length - start);
            length -= start;
        }
    }

    /** Events still buffered without their closing blank line are discarded: the stream was cut mid-event. */
    public boolean hasPartialEvent() {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(pending[i])) {
                return true;
            }
        }
        return false;
    }

    private void dispatch(int from, int to) {
        String block = new String(pending, from, to - from, StandardCharsets.UTF_8);
        String event = null;
        StringBuilder data = null;
        for (String raw : block.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.startsWith("data:")) {
                String value = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5);
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            }
        }
        if (data != null || event != null) {
            listener.onEvent(event, data == null ? "" : data.toString());
        }
    }

    private void ensure(int capacity) {
        if (capacity > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(capacity, pending.length * 2));
        }
    }

    /** Receives each complete event: its {@code event:} name (or null) and its data. */
    public interface Listener {
        void onEvent(String event, String data);
    }
}
