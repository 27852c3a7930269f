package dev.spendgate.domain.reconcile;

/** Why a line of the provider's bill and the gateway's metered cost differ (the CSV's {@code explanation}). */
public enum Explanation {
    /** Billed equals metered. */
    MATCHED("matched"),
    /** Within the rounding of the provider's figures: half a unit of the last decimal of each bill line. */
    ROUNDING("rounding"),
    /** The provider counted more tokens than the gateway saw: calls made around the gateway (a raw key). */
    NOT_SEEN_BY_GATEWAY("not_seen_by_gateway"),
    /** Same tokens, different cost: the provider's unit price is not the catalog's. */
    PRICE_DRIFT("price_drift"),
    /** Something the gateway never meters: batch, storage, fine-tuning, tool calls. */
    NEVER_METERED("never_metered"),
    /** The provider's data does not cover this day: nothing to compare the metered cost with. */
    NO_PROVIDER_DATA("no_provider_data"),
    /**
     * Calls the gateway charged at an estimate (at the worst case reserved for a call that never settled, or on tokens
     * it counted itself for a stream cut before its usage event), which the provider's bill settles: the billed tokens
     * beyond the provider-reported ones, up to the tokens the gateway counted for those calls and then to the worst
     * case reserved, are theirs, priced as {@link #NOT_SEEN_BY_GATEWAY} is; the part is what the bill says they cost
     * less what the gateway charged for them.
     */
    ESTIMATE_SETTLED_BY_BILL("estimate_settled_by_bill"),
    /** A difference none of the above accounts for. */
    UNEXPLAINED("unexplained");

    private final String label;

    Explanation(String label) {
        this.label = label;
    }

    /** The value written to {@code reconciliation.csv}. */
    public String label() {
        return label;
    }
}
