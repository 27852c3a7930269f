package dev.spendgate.domain.usage;

/**
 * Why an unpriced call ({@code pricing_status: unpriced}, no {@code cost_usd}) has no known cost, read from its
 * record: the one rule every figure that explains unpriced calls (the board PDF, chargeback.csv, the console's Spend
 * page) counts them by, so a call the gateway was stopped during is never explained as a gap in the catalog.
 */
public enum UnpricedCause {
    /**
     * The catalog (with its overrides) has no price for the call's model, its tier, or a fee it incurred (audio input,
     * a built-in tool): the record has no error type of its own.
     */
    NO_PRICE,
    /**
     * Sent, but the provider's answer never arrived whole ({@link UsageSummary#UNANSWERED}: timed out, no answer, cut),
     * so its usage is unknown; the model may well be priced.
     */
    UNANSWERED,
    /**
     * The gateway stopped while the call was at its provider (killed, or a stop that gave up waiting), with no budget
     * holding a worst case: recorded at the next start from its journal entry ({@code error_type}
     * {@value #UNSETTLED}, {@code cost_basis: reserved_worst_case}), tokens unknown; the model may well be priced.
     */
    GATEWAY_STOPPED;

    /** The {@code error_type} of a call that never settled, recorded from its journal entry after a gateway stop. */
    public static final String UNSETTLED = "unsettled";

    /** The cause of {@code r}'s missing cost, or null when {@code r} is not unpriced. */
    public static UnpricedCause of(UsageRecord r) {
        if (r.pricingStatus() != UsageRecord.PricingStatus.UNPRICED) {
            return null;
        }
        if (UNSETTLED.equals(r.errorType())) {
            return GATEWAY_STOPPED;
        }
        return UsageSummary.unanswered(r) ? UNANSWERED : NO_PRICE;
    }
}
