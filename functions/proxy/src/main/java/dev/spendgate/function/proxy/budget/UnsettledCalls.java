package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.usage.UnpricedCause;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import java.util.Objects;

/**
 * The usage record of a call that never settled (the gateway died between forwarding it and recording it), written by
 * the sweeper from the call's journal entry alone when it charges the entry's worst case. The record says what it is:
 * {@code cost_basis: reserved_worst_case} (schema 4), {@code usage_source: estimated}, {@code error_type}
 * {@value #ERROR_TYPE}; its cost is the worst case reserved and charged to the budgets (none, {@code unpriced}, for a
 * call no budget applied to: nothing was reserved), its tokens are unknown (zero),
 * {@code model_served} is the model forwarded and {@code ts_end} is when the sweeper charged it (so a reader that keeps
 * the earliest {@code ts_end} per request id keeps the settled record when one exists).
 */
public final class UnsettledCalls {
    /** The record's {@code error_type}, by which reports tell its unknown cost from a missing price. */
    public static final String ERROR_TYPE = UnpricedCause.UNSETTLED;

    private UnsettledCalls() {}

    /** The record of {@code open}'s call, charged at {@code chargedAt}; throws when the entry names no call. */
    public static UsageRecord record(ReservationJournal.OpenReservation open, Instant chargedAt) {
        ReservationJournal.Call call = Objects.requireNonNull(open.call(), "the entry names no call");
        Instant end = chargedAt.isBefore(call.start()) ? call.start() : chargedAt;
        return UsageRecord.builder()
                .requestId(call.requestId())
                .tsStart(call.start())
                .tsEnd(end)
                .keyId(call.keyId())
                .attribution(call.attribution())
                .provider(call.provider())
                .pricingProvider(call.pricingProvider())
                .endpoint(call.endpoint())
                .modelRequested(call.modelRequested())
                .modelServed(call.model())
                .stream(call.stream())
                .costUsd(reservedNothing(open) ? null : open.amount())
                .pricingStatus(
                        reservedNothing(open) ? UsageRecord.PricingStatus.UNPRICED : UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType(ERROR_TYPE)
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
    }

    /**
     * Whether the entry held nothing: a call no budget applied to (the local gateway journals it for its record alone),
     * whose worst case was never worked out. Its record has no cost ({@code unpriced}); the provider's bill has it.
     */
    private static boolean reservedNothing(ReservationJournal.OpenReservation open) {
        return open.itemKeys().isEmpty() && open.amount().signum() == 0;
    }
}
