package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;
import static dev.spendgate.function.proxy.console.Html.usd;

import java.math.BigDecimal;
import java.util.List;

/**
 * What both findings pages render the same way: the local page from the analysis' typed findings, the deployed
 * gateway's stored page from the findings document's JSON. Each gives the figures; the words and markup are here once.
 */
public final class FindingsHtml {
    /**
     * One feature's AI Efficiency Score and the dollars it rests on.
     *
     * @param score null when the feature is not scored (too little of its spend open to a rule)
     */
    public record FeatureScore(
            String feature, Integer score, BigDecimal spendUsd, BigDecimal wasteUsd, BigDecimal atRiskUsd) {}

    private FindingsHtml() {}

    /** The "Score by feature" heading and table, one row per feature in the order given. */
    public static String scoreByFeature(List<FeatureScore> features) {
        StringBuilder sb = new StringBuilder("<h2>Score by feature</h2><table><thead><tr>")
                .append("<th scope=\"col\">Feature</th><th scope=\"col\" class=\"num\">Score</th>")
                .append("<th scope=\"col\" class=\"num\">Spend</th><th scope=\"col\" class=\"num\">Waste</th>")
                .append("<th scope=\"col\" class=\"num\">At risk</th></tr></thead><tbody>");
        for (FeatureScore s : features) {
            sb.append("<tr><th scope=\"row\">")
                    .append(esc(s.feature()))
                    .append("</th><td class=\"num\">")
                    .append(s.score() == null ? "-" : s.score().toString())
                    .append("</td><td class=\"num\">")
                    .append(usd(s.spendUsd()))
                    .append("</td><td class=\"num\">")
                    .append(usd(s.wasteUsd()))
                    .append("</td><td class=\"num\">")
                    .append(usd(s.atRiskUsd()))
                    .append("</td></tr>");
        }
        if (features.isEmpty()) {
            sb.append("<tr><td colspan=\"5\">No score per feature in this window.</td></tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    /**
     * A finding's "USD / month" cell: its monthly savings, or for a governance finding, which saves nothing by itself,
     * its monthly spend at risk ("$1,234.50 at risk"), as {@code ./spendgate waste} prints it.
     *
     * @param atRiskUsd null when the finding does not say
     */
    public static String monthlyDollars(BigDecimal savingsUsd, BigDecimal atRiskUsd) {
        if ((savingsUsd == null || savingsUsd.signum() <= 0) && atRiskUsd != null) {
            return usd(atRiskUsd) + " at risk";
        }
        return usd(savingsUsd);
    }
}
