package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What the budgets say about a call before it is forwarded. {@code reservations} must be settled (or released)
 * exactly once when the call ends.
 */
public record BudgetDecision(
        Outcome outcome,
        String model,
        BigDecimal estimateUsd,
        List<Reservation> reservations,
        Refusal refusal,
        boolean unenforced,
        String reservationId) {

    public BudgetDecision {
        reservations = reservations == null ? List.of() : List.copyOf(reservations);
    }

    public static final BudgetDecision NO_BUDGETS =
            new BudgetDecision(Outcome.ALLOW, null, BigDecimal.ZERO, List.of(), null, false, null);

    /** The same decision, marked as a degradation to {@code model}. */
    public BudgetDecision degraded() {
        return new BudgetDecision(
                Outcome.DEGRADE, model, estimateUsd, reservations, refusal, unenforced, reservationId);
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW || outcome == Outcome.DEGRADE;
    }

    public enum Outcome {
        /** Forward as asked. */
        ALLOW,
        /** Forward with {@code model} instead of the requested one. */
        DEGRADE,
        /** Refuse with 429: a budget cannot afford the call. */
        BLOCK,
        /** Refuse with 503: the budget store failed and the budget is fail-closed. */
        STORE_ERROR
    }

    /**
     * One applicable budget item: {@code reserved} is what was taken before the call (zero for alert-mode budgets and
     * fail-open ones that could not be reached, which are only settled).
     */
    public record Reservation(BudgetPolicy policy, String scopeValue, String itemKey, BigDecimal reserved) {}

    /** Why a call was refused, with what a client needs to see. */
    public record Refusal(
            BudgetPolicy policy,
            String scopeValue,
            String period,
            BigDecimal spentUsd,
            Instant periodEnd,
            String reason) {}
}
