package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The notice a block budget sends the first time it refuses a call in a period ({@code kind: budget_refused}); a
 * degrade budget sends it when even the cheapest model it may degrade to does not fit. A
 * budget refuses a call when its spend, the worst cases of the calls in flight and the call's own worst case pass the
 * limit together, which can happen well before its 80 or 100 % alert: without this notice a team's calls fail with
 * 429 while nobody who watches the alerts hears of it.
 */
public final class RefusalNotice {
    /** The {@code kind} attribute subscribers filter on. */
    public static final String KIND = "budget_refused";

    private static final int MAX_SUBJECT = 100;

    private RefusalNotice() {}

    /**
     * @param spent the budget's settled spend in the period (all shards)
     * @param inFlight the worst cases held by calls in flight, or null when not known (a sharded budget)
     * @param worstCase the refused call's worst case
     * @param periodEnd when the period ends (null: a budget without periods)
     */
    public static AlertSink.Notice of(
            BudgetPolicy policy,
            String scopeValue,
            String period,
            BigDecimal spent,
            BigDecimal inFlight,
            BigDecimal worstCase,
            Instant periodEnd) {
        int scale = Math.max(2, policy.limitUsd().stripTrailingZeros().scale());
        StringBuilder text = new StringBuilder("Budget ")
                .append(policy.id())
                .append(" (")
                .append(period)
                .append(")")
                .append(scopeValue.equals(BudgetScope.EACH) ? "" : " for " + scopeValue)
                .append(" refused a call: $")
                .append(usd(spent, scale))
                .append(" of $")
                .append(policy.limitUsd().toPlainString())
                .append(" spent");
        if (inFlight != null && inFlight.signum() > 0) {
            text.append(", $").append(usd(inFlight, scale)).append(" held by calls in flight");
        }
        text.append(", and the call's worst case of $")
                .append(usd(worstCase, scale))
                .append(
                        policy.mode() == BudgetPolicy.Mode.DEGRADE
                                ? " did not fit, on its model or any cheaper one it could degrade to (mode "
                                : " did not fit (mode ")
                .append(policy.mode().label())
                .append("). Calls that do not fit are refused with 429 until spend settles below the limit")
                .append(periodEnd == null ? "" : " or the period ends at " + periodEnd)
                .append("; this notice is sent once per budget and period.");
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("kind", KIND);
        attributes.put("policy", policy.id());
        attributes.put("scope_value", scopeValue);
        attributes.put("period", period);
        attributes.put("limit_usd", policy.limitUsd().toPlainString());
        attributes.put("spent_usd", spent.toPlainString());
        if (inFlight != null) {
            attributes.put("in_flight_usd", inFlight.toPlainString());
        }
        attributes.put("worst_case_usd", worstCase.toPlainString());
        attributes.put("mode", policy.mode().label());
        return new AlertSink.Notice(subject(policy.id()), text.toString(), attributes);
    }

    private static String usd(BigDecimal amount, int scale) {
        return amount.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }

    /** {@code Spendgate budget refusing calls: <policy id>}, the id cut to fit the 100 characters of a subject. */
    private static String subject(String policyId) {
        String head = "Spendgate budget refusing calls: ";
        String id = policyId;
        if (head.length() + id.length() > MAX_SUBJECT) {
            id = id.substring(0, MAX_SUBJECT - head.length() - 3) + "...";
        }
        return head + id;
    }
}
