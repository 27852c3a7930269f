package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.http.Headers;
import java.util.List;

/**
 * Reads the {@code X-Cost-*} attribution headers over the key's defaults; a header sent twice or with characters
 * outside {@link Attribution#isValidValue} is refused (400) naming the header.
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
        Attribution fromHeaders =
                new Attribution(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
        Attribution merged = fromHeaders.orElse(ctx.attribution());
        return Step.proceed(ctx.with(b -> b.attribution = merged));
    }

    private static Step refuse(CallContext ctx, String header, String message) {
        return Step.refuse(ctx, Refusal.of(400, "invalid_request_error", message, header));
    }
}
