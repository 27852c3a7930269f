package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.usage.UsageLogWriter;
import java.util.Map;
import java.util.Objects;

/**
 * A call answered is a call recorded: while usage records cannot be made durable (the journal fails, as on a full
 * disk, and a retry fails too) every call is refused with 503 {@code usage_log_unavailable}, before anything can answer
 * it: the provider (nothing is forwarded) and the response cache alike, whose hit is answered before admission.
 */
public final class JournalGate implements Stage {
    private final UsageLogWriter usageLog;

    public JournalGate(UsageLogWriter usageLog) {
        this.usageLog = Objects.requireNonNull(usageLog, "usageLog");
    }

    @Override
    public Step apply(CallContext ctx) {
        if (usageLog.journalFailing() && !usageLog.retryJournal()) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                                    503,
                                    "api_error",
                                    "Spendgate cannot write its usage journal (is its data directory full?); nothing"
                                            + " was forwarded.",
                                    null)
                            .withHeaders(Map.of("Retry-After", "5"))
                            .recordedAs("usage_log_unavailable"));
        }
        return Step.proceed(ctx);
    }
}
