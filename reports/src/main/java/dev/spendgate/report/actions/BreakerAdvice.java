package dev.spendgate.report.actions;

import dev.spendgate.domain.usage.FreeEndpoints;
import dev.spendgate.domain.usage.UsageRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One velocity-breaker value per scope (session and key), derived from the month's observed rates: every session's
 * and every key's peak calls in one clock minute, and the value {@code ceil(1.5 x the 99th percentile of those
 * peaks)} (at least 2), so 99 % of sessions (keys) kept well under it while runaway loops are cut. Fed record by
 * record as a report's usage tap, in the order the usage log is read (hour by hour); memory is one counter per
 * session and key of the month, with the minutes of the hour being read.
 */
public final class BreakerAdvice implements Consumer<UsageRecord> {
    /** The gateway's session breaker. */
    public static final String SESSION_SETTING = "SPENDGATE_SESSION_CALLS_PER_MINUTE";
    /** The gateway's key breaker. */
    public static final String KEY_SETTING = "SPENDGATE_KEY_CALLS_PER_MINUTE";

    static final String METHOD =
            "ceil(1.5 x the 99th percentile of each scope's peak calls in one clock minute)," + " at least 2";

    private final Map<String, Counter> sessions = new HashMap<>();
    private final Map<String, Counter> keys = new HashMap<>();

    /**
     * The advised value of one breaker.
     *
     * @param scope {@code session} or {@code key}
     * @param scopes how many sessions (keys) made calls this month
     * @param p99PeakPerMinute the 99th percentile of their peak calls per clock minute
     * @param maxPeakPerMinute the highest peak
     * @param scopesAbove how many sessions (keys) peaked above {@code value}: what the breaker would have stopped
     */
    public record Advice(
            String setting,
            String scope,
            int value,
            long scopes,
            int p99PeakPerMinute,
            int maxPeakPerMinute,
            long scopesAbove,
            String method) {}

    /**
     * A scope's calls per clock minute within the hour being read (the usage log is read one hourly object after the
     * other, records within an object in any order), and its peak over the hours before.
     */
    private static final class Counter {
        long hour = Long.MIN_VALUE;
        Map<Long, Integer> minutes;
        int peak;

        void add(long minute) {
            long h = Math.floorDiv(minute, 60);
            if (h > hour) {
                hour = h;
                if (minutes != null) {
                    minutes.clear();
                }
            } else if (h < hour) {
                return; // a late record of an hour already closed: left out of the peaks
            }
            if (minutes == null) {
                minutes = new HashMap<>(4);
            }
            peak = Math.max(peak, minutes.merge(minute, 1, Integer::sum));
        }
    }

    @Override
    public void accept(UsageRecord r) {
        if (FreeEndpoints.isFree(r.endpoint())) {
            return; // the breakers let free calls (token counts, moderation) through uncounted
        }
        long minute = Math.floorDiv(r.tsStart().getEpochSecond(), 60);
        String session = r.attribution().session();
        if (session != null && !session.isBlank()) {
            // a session is its key's own, as the gateway's session breaker counts it: another key's s-1 is another
            sessions.computeIfAbsent(r.keyId() + "\u0000" + session, k -> new Counter())
                    .add(minute);
        }
        if (r.keyId() != null && !r.keyId().isBlank()) {
            keys.computeIfAbsent(r.keyId(), k -> new Counter()).add(minute);
        }
    }

    /** One value per scope that had calls: the session breaker first, then the key breaker. */
    public List<Advice> advice() {
        List<Advice> out = new ArrayList<>();
        advise(SESSION_SETTING, "session", sessions, out);
        advise(KEY_SETTING, "key", keys, out);
        return out;
    }

    private static void advise(String setting, String scope, Map<String, Counter> counters, List<Advice> out) {
        if (counters.isEmpty()) {
            return;
        }
        int[] peaks = counters.values().stream().mapToInt(c -> c.peak).toArray();
        Arrays.sort(peaks);
        int p99 = peaks[(int) Math.ceil(0.99 * peaks.length) - 1];
        int value = Math.max(2, (p99 * 3 + 1) / 2);
        long above = Arrays.stream(peaks).filter(p -> p > value).count();
        out.add(new Advice(setting, scope, value, peaks.length, p99, peaks[peaks.length - 1], above, METHOD));
    }
}
