package dev.spendgate.domain.report;

/**
 * A session or request id as an outcome names it: with the id of the Spendgate key that posted the outcome
 * ({@code key_1|s-1}). Ids come from clients ({@code X-Cost-Session}), so two keys' {@code s-1} are two sessions; an
 * outcome counts only the calls of its own key. An outcome stored without a key id (none does since outcomes carry
 * {@code key_id}) is tracked by its bare id and matches the calls of every key.
 */
public final class TrackedIds {
    /** Never in a session or request id (attribution values are letters, digits and {@code . _ - : / @}). */
    private static final char SEPARATOR = '|';

    private TrackedIds() {}

    /** The tracked id of {@code id} as named by an outcome of {@code keyId} (null: any key). */
    public static String of(String keyId, String id) {
        return keyId == null ? id : keyId + SEPARATOR + id;
    }

    /** The session or request id itself. */
    public static String idOf(String tracked) {
        return tracked.substring(tracked.lastIndexOf(SEPARATOR) + 1);
    }

    /** The key id, or null for a bare id. */
    public static String keyOf(String tracked) {
        int at = tracked.lastIndexOf(SEPARATOR);
        return at < 0 ? null : tracked.substring(0, at);
    }
}
