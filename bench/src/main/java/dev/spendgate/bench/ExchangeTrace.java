package dev.spendgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lines up the gateway's slow upstream exchanges with when the fake upstream handled them ({@code GatewayOverhead
 * --trace-exchanges MS}), to tell an answer that left late from one the gateway read late. Both sides stamp with
 * {@link System#nanoTime()}, which on Linux is the same monotonic clock in every process. The gateway reports each
 * exchange whose head took {@code MS} or more ({@code EXCHANGE port reused began written head}); the upstream reports
 * every answer (client port, dispatched to a worker, handler began, answer written). An exchange's answer is the first
 * one on its port dispatched after the gateway began it.
 */
final class ExchangeTrace {
    private static final int CAPACITY = 1 << 21;
    private static final java.time.format.DateTimeFormatter CLOCK_TIME =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);

    private final int[] ports = new int[CAPACITY];
    private final long[] dispatched = new long[CAPACITY];
    private final long[] began = new long[CAPACITY];
    private final long[] answered = new long[CAPACITY];
    private final AtomicInteger next = new AtomicInteger();
    private final long epochMinusNanoMillis = System.currentTimeMillis() - System.nanoTime() / 1_000_000L;

    /** Header the load client sends with {@code CONN-SEQ} when tracing, so each call's answer can be found. */
    static final String CALL_HEADER = "X-Bench-Call";

    private final java.util.concurrent.ConcurrentHashMap<Long, long[]> calls =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The upstream's side, from {@code FakeLlmUpstream.timeAnswers}. */
    void answered(
            com.sun.net.httpserver.Headers headers,
            int port,
            long dispatchedNanos,
            long beganNanos,
            long answeredNanos) {
        String call = headers.getFirst(CALL_HEADER);
        if (call != null) {
            int dash = call.indexOf('-');
            calls.put(
                    Long.parseLong(call.substring(0, dash)) * 1_000_000_000L + Long.parseLong(call.substring(dash + 1)),
                    new long[] {dispatchedNanos == 0 ? beganNanos : dispatchedNanos, beganNanos, answeredNanos});
        }
        int i = next.getAndIncrement();
        if (i < CAPACITY) {
            ports[i] = port;
            dispatched[i] = dispatchedNanos == 0 ? beganNanos : dispatchedNanos;
            began[i] = beganNanos;
            answered[i] = answeredNanos;
        }
    }

    /** Forgets the upstream's answers and the gateway's stage stamps (before a run). */
    void clear() {
        next.set(0);
        calls.clear();
        stages.clear();
    }

    /** The gateway's stages, in {@code CallStages.Stage} order, lower case. */
    private static final String[] STAGE_NAMES = java.util.Arrays.stream(
                    dev.spendgate.function.proxy.http.CallStages.Stage.values())
            .map(s -> s.name().toLowerCase(Locale.ROOT))
            .toArray(String[]::new);

    /** The gateway's {@code STAGES CALL PREV t0 .. t11} lines, by call: {@code [PREV, t0 .. t11]}. */
    private final java.util.concurrent.ConcurrentHashMap<Long, long[]> stages =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Keeps a gateway's {@code STAGES} line (GatewayMain's {@code StageLog}). */
    void stages(String line) {
        String[] f = line.split(" ");
        String call = f[1];
        int dash = call.indexOf('-');
        long[] t = new long[f.length - 2];
        for (int i = 2; i < f.length; i++) {
            t[i - 2] = Long.parseLong(f[i]);
        }
        stages.put(
                Long.parseLong(call.substring(0, dash)) * 1_000_000_000L + Long.parseLong(call.substring(dash + 1)), t);
    }

    /**
     * The time to reach each stage from the one before ({@code " stage ms"}, stages not reached left out), from the
     * client's start to its end, or "" when the gateway did not report the call.
     */
    private static String stageTimes(long[] t, long startNanos, long endNanos) {
        StringBuilder sb = new StringBuilder(" gateway stages (ms to reach):");
        long before = startNanos;
        for (int i = 1; i < t.length; i++) {
            if (t[i] != 0) {
                sb.append(String.format(Locale.ROOT, " %s %.1f", STAGE_NAMES[i - 1], (t[i] - before) / 1e6));
                before = t[i];
            }
        }
        return sb.append(String.format(Locale.ROOT, " client %.1f", (endNanos - before) / 1e6))
                .toString();
    }

    /**
     * For the run's calls the gateway held {@code slowNanos} or more (its {@code STAGES} lines, from the same
     * connection's previous answer to this one's write), how many spent longest in each stage (the time to reach that
     * stage from the one before; {@code begin} is from the connection's previous answer: the client's turn-around and
     * any wait before Jetty read the request).
     */
    String stageReport(long slowNanos) {
        int[] longest = new int[STAGE_NAMES.length];
        double[] worst = new double[STAGE_NAMES.length];
        int slow = 0;
        for (long[] t : stages.values()) {
            long before = GatewayMain.from(t[0], t[1]);
            if (t[t.length - 1] - before < slowNanos) {
                continue;
            }
            slow++;
            int at = -1;
            long most = -1;
            for (int i = 1; i < t.length; i++) {
                if (t[i] != 0) {
                    long spent = t[i] - before;
                    worst[i - 1] = Math.max(worst[i - 1], spent / 1e6);
                    if (spent > most) {
                        most = spent;
                        at = i - 1;
                    }
                    before = t[i];
                }
            }
            if (at >= 0) {
                longest[at]++;
            }
        }
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT,
                "calls at the gateway for %d ms or more: %d; the stage each spent longest in (calls, the stage's worst"
                        + " ms among them):",
                slowNanos / 1_000_000L,
                slow));
        for (int i = 0; i < STAGE_NAMES.length; i++) {
            if (worst[i] > 0) {
                sb.append(String.format(Locale.ROOT, " %s %d %.1f,", STAGE_NAMES[i], longest[i], worst[i]));
            }
        }
        return sb.toString();
    }

    /**
     * Where one client call's time went, from the upstream's stamps of it: {@code " [upstream got it +A ms, answered
     * +B ms]"} after the call began at {@code startNanos}, or that the upstream never saw it.
     */
    String call(int conn, long seq, long startNanos, long latencyNanos) {
        long[] s = stages.get(conn * 1_000_000_000L + seq);
        // a line of an earlier run with the same call id (the direct run's calls never reach a gateway) is not it
        boolean ours = s != null && s[1] >= startNanos - 1_000_000L && s[s.length - 1] <= startNanos + latencyNanos;
        String gateway = ours ? stageTimes(s, startNanos, startNanos + latencyNanos) : "";
        long[] t = calls.get(conn * 1_000_000_000L + seq);
        if (t == null) {
            return " [not at the upstream" + gateway + "]";
        }
        return String.format(
                Locale.ROOT,
                " [upstream got it +%.1f, handler +%.1f, answered +%.1f ms;%s]",
                (t[0] - startNanos) / 1e6,
                (t[1] - startNanos) / 1e6,
                (t[2] - startNanos) / 1e6,
                gateway);
    }

    /** When the upstream wrote its answer to the call, or 0 if it has not. */
    long answeredNanos(int conn, long seq) {
        long[] t = calls.get(conn * 1_000_000_000L + seq);
        return t == null ? 0 : t[2];
    }

    /** {@code request} with a {@link #CALL_HEADER} whose value is 4 + 1 + 9 digits at the returned copy's end - 14. */
    static byte[] withCallHeader(byte[] request, int conn) {
        byte[] crlf2 = {'\r', '\n', '\r', '\n'};
        int at = 0;
        while (!java.util.Arrays.equals(request, at, at + 4, crlf2, 0, 4)) {
            at++;
        }
        byte[] line = String.format(Locale.ROOT, "\r\n%s: %04d-000000000", CALL_HEADER, conn)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[request.length + line.length];
        System.arraycopy(request, 0, out, 0, at);
        System.arraycopy(line, 0, out, at, line.length);
        System.arraycopy(request, at, out, at + line.length, request.length - at);
        return out;
    }

    /** The offset of the sequence digits in a request from {@link #withCallHeader}. */
    static int sequenceOffset(byte[] request) {
        byte[] name = (CALL_HEADER + ": ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; ; i++) {
            if (java.util.Arrays.equals(request, i, i + name.length, name, 0, name.length)) {
                return i + name.length + 5;
            }
        }
    }

    /** Writes {@code seq} as the request's nine sequence digits. */
    static void setSequence(byte[] request, int offset, long seq) {
        for (int i = 8; i >= 0; i--) {
            request[offset + i] = (byte) ('0' + seq % 10);
            seq /= 10;
        }
    }

    /** Parses a gateway's {@code EXCHANGE port reused began written head} line. */
    static long[] parse(String line) {
        String[] f = line.split(" ");
        return new long[] {
            Long.parseLong(f[1]),
            Boolean.parseBoolean(f[2]) ? 1 : 0,
            Long.parseLong(f[3]),
            Long.parseLong(f[4]),
            Long.parseLong(f[5])
        };
    }

    /**
     * A report of the gateway's slow exchanges since the last {@link #clear()}: how many, the stretch each spent
     * longest in (connect and write, the upstream's dispatcher, its worker queue and request read, its handler, or
     * the gateway reading the answer that had already been written), and the slowest few in detail. Drains {@code
     * exchanges}.
     */
    String report(Queue<long[]> exchanges) {
        int n = Math.min(next.get(), CAPACITY);
        List<long[]> slow = new ArrayList<>();
        for (long[] e = exchanges.poll(); e != null; e = exchanges.poll()) {
            slow.add(e);
        }
        if (slow.isEmpty()) {
            return "slow exchanges: none";
        }
        String[] stretch = {"connect+write", "to dispatcher", "worker queue+read", "handler", "gateway read late"};
        int[] longest = new int[stretch.length + 1];
        int reused = 0;
        List<String> details = new ArrayList<>();
        slow.sort((a, b) -> Long.compare(b[4] - b[2], a[4] - a[2]));
        for (long[] e : slow) {
            reused += (int) e[1];
            int match = -1;
            for (int i = 0; i < n; i++) {
                if (ports[i] == e[0] && dispatched[i] >= e[2] && (match < 0 || dispatched[i] < dispatched[match])) {
                    match = i;
                }
            }
            long[] points = match < 0
                    ? new long[] {e[2], e[3]}
                    : new long[] {e[2], e[3], dispatched[match], began[match], answered[match], e[4]};
            int worst = stretch.length; // unmatched
            if (match >= 0) {
                worst = 0;
                for (int s = 1; s < stretch.length; s++) {
                    if (points[s + 1] - points[s] > points[worst + 1] - points[worst]) {
                        worst = s;
                    }
                }
            }
            longest[worst]++;
            if (details.size() < 6) {
                StringBuilder d = new StringBuilder(String.format(
                        Locale.ROOT,
                        "port %d %s, began %s, took %.1f ms:",
                        e[0],
                        e[1] == 1 ? "pooled" : "new",
                        CLOCK_TIME.format(java.time.Instant.ofEpochMilli(epochMinusNanoMillis + e[2] / 1_000_000L)),
                        (e[4] - e[2]) / 1e6));
                if (match < 0) {
                    d.append(String.format(
                            Locale.ROOT,
                            " written +%.1f, no answer from the upstream on the port",
                            (e[3] - e[2]) / 1e6));
                } else {
                    d.append(String.format(
                            Locale.ROOT,
                            " written +%.1f, dispatched +%.1f, handler +%.1f, answered +%.1f, head read +%.1f",
                            (points[1] - points[0]) / 1e6,
                            (points[2] - points[0]) / 1e6,
                            (points[3] - points[0]) / 1e6,
                            (points[4] - points[0]) / 1e6,
                            (points[5] - points[0]) / 1e6));
                }
                details.add(d.toString());
            }
        }
        StringBuilder sb = new StringBuilder(String.format(
                Locale.ROOT, "slow exchanges: %d (%d on pooled connections), longest stretch:", slow.size(), reused));
        for (int s = 0; s < stretch.length; s++) {
            sb.append(String.format(Locale.ROOT, " %s %d,", stretch[s], longest[s]));
        }
        sb.append(String.format(Locale.ROOT, " unmatched %d; upstream answers seen %d", longest[stretch.length], n));
        for (String d : details) {
            sb.append(String.format(Locale.ROOT, "%n%26s%s", "", d));
        }
        return sb.toString();
    }
}
