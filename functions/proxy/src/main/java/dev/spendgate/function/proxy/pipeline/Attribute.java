package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.http.Headers;
import java.util.List;

/**
 * Reads the {@code X-Cost-*} attribution headers over the key's defaults; a header sent twice or with characters
 * outside {@link Attribution#isValidValue} is refused (400) naming the header. A key's stored department and team
 * bind: a header naming another is refused (403) naming the header, since a department's block budget must bind its
 * keys; a key without a stored department or team may set it per call.
 */
public final class Attribute implements Stage {
    static final String[] HEADERS = {
        "X-Cost-Feature",
        "X-Cost-Department",
        "X-Cost-Team",
        "X-Cost-Environment",
        "X-Cost-Session",
        "X-Cost-User",
        "X-Cost-Run"
    };

    @Override
    public Step apply(CallContext ctx) {
        Headers headers = ctx.request().headers();
        String[] values = new String[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) {
            String header = HEADERS[i];
            List<String> all = headers.all(header);
            if (all.isEmpty()) {
                continue;
            }
            if (all.size() > 1) {
                return refuse(ctx, header, "Header " + header + " must be sent once.");
            }
            String value = all.get(0).trim();
            if (!Attribution.isValidValue(value)) {
                return refuse(
                        ctx,
                        header,
                        "Header " + header + " must be 1-" + Attribution.MAX_LENGTH
                                + " characters of letters, digits and . _ - : / @");
            }
            values[i] = value;
        }
        Attribution stored = ctx.key() == null ? null : ctx.key().defaults();
        if (stored != null) {
            Step bound = bound(ctx, "X-Cost-Department", "department", values[1], stored.department());
            if (bound == null) {
                bound = bound(ctx, "X-Cost-Team", "team", values[2], stored.team());
            }
            if (bound != null) {
                return bound;
            }
        }
        Attribution fromHeaders =
                new Attribution(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
        Attribution merged = fromHeaders.orElse(ctx.attribution());
        return Step.proceed(ctx.with(b -> b.attribution = merged));
    }

    /** A 403 when the header names another {@code label} than the key's stored one, else null. */
    private static Step bound(CallContext ctx, String header, String label, String sent, String stored) {
        if (sent == null || stored == null || sent.equals(stored)) {
            return null;
        }
        return Step.refuse(
                ctx,
                Refusal.of(
                                403,
                                "permission_error",
                                "This Spendgate key is bound to its " + label + " '" + stored + "': " + header
                                        + " may not name another (a key without a stored " + label
                                        + " may set it per call). Nothing was forwarded.",
                                header)
                        .recordedAs("attribution_bound"));
    }

    private static Step refuse(CallContext ctx, String header, String message) {
        return Step.refuse(ctx, Refusal.of(400, "invalid_request_error", message, header));
    }
}
