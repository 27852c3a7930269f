package dev.spendgate.domain.waste;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;

/**
 * The calls of a window recorded without a price ({@code pricing_status: unpriced}, no {@code cost_usd}): their spend
 * is unknown, so it is in no finding, no savings and no spend figure of the waste report, which counts them at $0.
 * Split as {@code usage} splits them ({@link UsageSummary#unanswered}): calls whose answer never arrived whole
 * ({@code unanswered}), the rest of a model or feature the catalog has no price for.
 *
 * @param calls every unpriced call
 * @param unanswered those whose provider answer never arrived whole (timed out, no answer, cut)
 */
public record UnpricedCalls(long calls, long unanswered) {
    public static final UnpricedCalls NONE = new UnpricedCalls(0, 0);

    /** This count with the record added when it is unpriced. */
    UnpricedCalls plus(UsageRecord r) {
        if (r.pricingStatus() != UsageRecord.PricingStatus.UNPRICED) {
            return this;
        }
        return new UnpricedCalls(calls + 1, unanswered + (UsageSummary.unanswered(r) ? 1 : 0));
    }

    UnpricedCalls plus(UnpricedCalls other) {
        return other == null ? this : new UnpricedCalls(calls + other.calls, unanswered + other.unanswered);
    }

    /** Unpriced calls that were answered: a model or feature the catalog has no price for. */
    public long noPrice() {
        return calls - unanswered;
    }
}
