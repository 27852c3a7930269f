package dev.spendgate.function.proxy.console;

import java.math.BigDecimal;

/**
 * What both findings pages render the same way: the local page from the analysis' typed findings, the deployed
 * gateway's stored page from the findings document's JSON. Each gives the figures; the words and markup are here once.
 */
public final class FindingsHtml {
    private FindingsHtml() {}

    /**
     * A finding's "USD / month" cell: its monthly savings, or for a governance finding, which saves nothing by itself,
     * its monthly spend at risk ("$1,234.50 at risk"), as {@code ./spendgate waste} prints it.
     *
     * @param atRiskUsd null when the finding does not say
     */
    public static String monthlyDollars(BigDecimal savingsUsd, BigDecimal atRiskUsd) {
        if ((savingsUsd == null || savingsUsd.signum() <= 0) && atRiskUsd != null) {
            return Html.usd(atRiskUsd) + " at risk";
        }
        return Html.usd(savingsUsd);
    }
}
