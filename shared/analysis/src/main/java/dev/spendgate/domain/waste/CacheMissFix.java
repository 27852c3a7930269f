package dev.spendgate.domain.waste;

import java.util.Map;

/**
 * The one rule for which response cache a cache-miss finding's fix sets up: semantic (similarity 0.90) when the
 * reworded repeats ({@code hits_at_0.90 - exact_duplicates}) outnumber the exact ones, else exact. The finding's
 * headline savings are that cache's ({@link CacheMissDetector}) and {@code advisor apply} writes that cache's rule
 * ({@link dev.spendgate.domain.routing.FindingFixes}), so the figure shown as recoverable is what the fix recovers.
 */
public final class CacheMissFix {
    private CacheMissFix() {}

    /** Whether the fix is a semantic cache, given the exact repeats and the hits at 0.90 (exact ones included). */
    public static boolean semantic(long exactDuplicates, long hitsAt090) {
        return hitsAt090 - exactDuplicates > exactDuplicates;
    }

    /** The same, from a cache-miss finding's evidence details ({@code exact_duplicates}, {@code hits_at_0.90}). */
    public static boolean semantic(Map<String, String> details) {
        return semantic(parse(details.get("exact_duplicates")), parse(details.get("hits_at_0.90")));
    }

    private static long parse(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
