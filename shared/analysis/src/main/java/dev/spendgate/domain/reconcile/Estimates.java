package dev.spendgate.domain.reconcile;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.CellTotals;
import java.math.BigDecimal;

/**
 * The calls of a reconciliation line the gateway charged at an estimate, which the provider's bill settles: those
 * charged at the worst case reserved for them (they never settled; no tokens known) and those priced on tokens the
 * gateway counted itself (a stream cut before its usage event).
 *
 * @param worstCaseCalls calls charged at their reserved worst case ({@code cost_basis: reserved_worst_case})
 * @param worstCaseUsd what they were charged
 * @param countedCalls calls priced on tokens the gateway counted itself ({@code usage_source: estimated})
 * @param countedUsd what they were charged
 * @param tokens the tokens the gateway counted for them
 */
record Estimates(
        long worstCaseCalls, BigDecimal worstCaseUsd, long countedCalls, BigDecimal countedUsd, TokenUsage tokens) {

    static Estimates of(CellTotals gateway) {
        return new Estimates(
                gateway.worstCaseCalls(),
                gateway.worstCaseUsd(),
                gateway.estimatedTokenCalls(),
                gateway.estimatedTokenUsd(),
                gateway.estimatedTokens());
    }

    /**
     * The same estimates with {@code fee}, their web searches' fee, taken out of the cut streams' cost: the fee is
     * compared on the provider's tool-calls line, not with the tokens.
     */
    Estimates lessSearchFee(BigDecimal fee) {
        return fee.signum() == 0
                ? this
                : new Estimates(worstCaseCalls, worstCaseUsd, countedCalls, countedUsd.subtract(fee), tokens);
    }

    boolean any() {
        return worstCaseCalls > 0 || countedCalls > 0;
    }

    /** What the gateway charged for the estimated calls: part of the line's metered cost. */
    BigDecimal usd() {
        return worstCaseUsd.add(countedUsd);
    }

    /** For the line's data quality: what of the metered cost is an estimate. */
    String describe() {
        StringBuilder b = new StringBuilder("metered includes ");
        if (worstCaseCalls > 0) {
            b.append(plain(worstCaseUsd))
                    .append(" USD charged at the reserved worst case (")
                    .append(worstCaseCalls)
                    .append(worstCaseCalls == 1 ? " call" : " calls")
                    .append(" never settled)");
        }
        if (countedCalls > 0) {
            b.append(worstCaseCalls > 0 ? " and " : "")
                    .append(plain(countedUsd))
                    .append(" USD on tokens the gateway counted itself (")
                    .append(countedCalls)
                    .append(countedCalls == 1 ? " stream" : " streams")
                    .append(" cut before their usage)");
        }
        return b.append(", estimates the bill settles").toString();
    }

    private static String plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
