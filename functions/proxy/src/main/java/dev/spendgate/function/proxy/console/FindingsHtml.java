package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;
import static dev.spendgate.function.proxy.console.Html.usd;

import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageSummary;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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

    /**
     * The input the figures skipped, as {@code ./spendgate waste} states it: damaged log objects, unreadable records
     * and duplicate request ids; empty when nothing was skipped.
     */
    public static String skippedInput(long unreadableObjects, long malformedLines, long duplicates) {
        if (unreadableObjects + malformedLines + duplicates <= 0) {
            return "";
        }
        return "<p class=\"source\">Skipped: " + unreadableObjects + " damaged log objects, " + malformedLines
                + " unreadable records, " + duplicates + " duplicate request ids.</p>";
    }

    /**
     * The records the figures left out because their cost failed the monthly report's cost check, worded as the Spend
     * page words them; empty when none was.
     *
     * @param byReason counts per reason key ({@code implausible_cost}, ...), as the findings JSON stores them; a key
     *     this version does not know is counted as a cost that failed the check
     */
    public static String quarantinedInput(long quarantined, Map<String, Long> byReason) {
        if (quarantined <= 0) {
            return "";
        }
        Map<CostCheck.Reason, Long> known = new EnumMap<>(CostCheck.Reason.class);
        long other = quarantined;
        for (Map.Entry<String, Long> e : byReason.entrySet()) {
            var reason = CostCheck.Reason.ofKey(e.getKey());
            if (reason.isPresent() && e.getValue() > 0) {
                known.merge(reason.get(), e.getValue(), Long::sum);
                other -= e.getValue();
            }
        }
        String sentence = UsageSummary.quarantinedSentenceByReason(known);
        if (other > 0) {
            sentence += (sentence.isEmpty() ? "" : ", ") + other + " records with a cost that failed the cost check";
        }
        return "<p class=\"source\" data-testid=\"findings-quarantined\">Left out: " + esc(sentence)
                + ", in no figure here, as the monthly report quarantines them.</p>";
    }
}
