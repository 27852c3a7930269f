package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/** A budget crossed one of its alert thresholds (sent once per scope, period and threshold). */
public record BudgetAlert(
        String policyId,
        String scopeValue,
        String period,
        int thresholdPercent,
        BigDecimal limitUsd,
        BigDecimal spentUsd,
        BudgetPolicy.Mode mode,
        Instant at) {

    /** One line for people: "Budget feature:chatbot/monthly (2026-11) reached 80 %: $400.12 of $500 spent." */
    public String message() {
        return "Budget " + policyId + " (" + period + ")"
                + (scopeValue.equals(BudgetScope.EACH) ? "" : " for " + scopeValue)
                + " reached " + thresholdPercent + " %: $"
                + spentUsd.setScale(Math.max(2, limitUsd.stripTrailingZeros().scale()), RoundingMode.HALF_UP)
                        .toPlainString()
                + " of $" + limitUsd.toPlainString() + " spent (mode " + mode.label() + ").";
    }
}
