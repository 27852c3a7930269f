package dev.spendgate.domain.outcome;

import dev.spendgate.domain.attribution.Attribution;
import java.time.Instant;
import java.util.Objects;

/**
 * A business result that some calls produced ("ticket_resolved" x 1 for session s-42), so a report can show the cost
 * per outcome. Names one session or one request (exactly one of them).
 */
public record Outcome(Instant ts, String session, String requestId, String name, long count, String keyId) {
    public static final long MAX_COUNT = 1_000_000;

    public Outcome {
        Objects.requireNonNull(ts, "ts");
        if ((session == null) == (requestId == null)) {
            throw new IllegalArgumentException("an outcome names exactly one of session and request_id");
        }
        if (session != null && !Attribution.isValidValue(session)) {
            throw new IllegalArgumentException("session must be 1-128 characters of letters, digits and . _ - : / @");
        }
        if (requestId != null && !Attribution.isValidValue(requestId)) {
            throw new IllegalArgumentException(
                    "request_id must be 1-128 characters of letters, digits and . _ - : / @");
        }
        if (name == null || !Attribution.isValidValue(name)) {
            throw new IllegalArgumentException("outcome must be 1-128 characters of letters, digits and . _ - : / @");
        }
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be a whole number from 1 to " + MAX_COUNT);
        }
    }
}
