package dev.spendgate.domain.usage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.UUID;

/**
 * Where usage records live in the object store: gzip NDJSON objects under
 * {@code usage/v1/year=YYYY/month=MM/day=DD/hour=HH/}, partitioned by the call's start hour (UTC), the layout
 * Athena partition projection reads.
 */
public final class UsageLayout {
    public static final String ROOT = "usage/v1/";

    private UsageLayout() {}

    /** The prefix of one UTC hour, e.g. {@code usage/v1/year=2026/month=11/day=28/hour=15/}. */
    public static String hourPrefix(Instant t) {
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        StringBuilder prefix = new StringBuilder(48).append(ROOT).append("year=");
        pad(prefix, z.getYear(), 4).append("/month=");
        pad(prefix, z.getMonthValue(), 2).append("/day=");
        pad(prefix, z.getDayOfMonth(), 2).append("/hour=");
        return pad(prefix, z.getHour(), 2).append('/').toString();
    }

    /** Appends {@code value} zero-padded to {@code width} digits (String.format's cost, per record, showed up). */
    private static StringBuilder pad(StringBuilder to, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            to.append('0');
        }
        return to.append(digits);
    }

    /** The prefix of one UTC day. */
    public static String dayPrefix(Instant t) {
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        return String.format(
                "%syear=%04d/month=%02d/day=%02d/", ROOT, z.getYear(), z.getMonthValue(), z.getDayOfMonth());
    }

    /** The object of hour {@code t}'s records from journal segment {@code segmentId} (the same for any writer). */
    public static String segmentObjectKey(Instant t, String segmentId) {
        return hourPrefix(t) + "part-" + segmentId + ".ndjson.gz";
    }

    /**
     * The object of hour {@code t}'s records recovered from journal segment {@code segmentId} by a later process: not
     * {@link #segmentObjectKey}, which the segment's own flush may have written with more records than the journal
     * kept, but the same for any recovery of the segment.
     */
    public static String recoveredObjectKey(Instant t, String segmentId) {
        return hourPrefix(t) + "part-" + segmentId + "-recovered.ndjson.gz";
    }

    /** A new, unique object key in the hour of {@code t}, written at {@code now}. */
    public static String newObjectKey(Instant t, Instant now) {
        return hourPrefix(t) + "part-" + now.toEpochMilli() + "-"
                + UUID.randomUUID().toString().substring(0, 8) + ".ndjson.gz";
    }
}
