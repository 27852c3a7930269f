package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What the budgets say about a call before it is forwarded. {@code reservations} must be settled (or released)
 * exactly once when the call ends. {@code remainingUsd} is the tightest remaining amount of the budgets the call
 * reserved on, as the store answered the reservation (this call's worst case included), or null when none was
 * reserved; with it a carrier that settles after the answer has left can still tell the client what remains.
 * {@code chargedIfOrphaned} says the reservation's journal entry names its call: should the call never settle, the
 * sweeper charges its worst case as spent (and writes its usage record) instead of releasing it, so a settlement that
 * comes after that adds nothing.
 */
public record BudgetDecision(
        Outcome outcome,
        String model,
        BigDecimal estimateUsd,
        List<Reservation> reservations,
        Refusal refusal,
        boolean unenforced,
        String reservationId,
        BigDecimal remainingUsd,
        boolean chargedIfOrphaned) {

    public BudgetDecision {
        reservations = reservations == null ? List.of() : List.copyOf(reservations);
    }

    /** A decision whose reservation the sweeper releases if the call never settles. */
    public BudgetDecision(
            Outcome outcome,
            String model,
            BigDecimal estimateUsd,
            List<Reservation> reservations,
            Refusal refusal,
            boolean unenforced,
            String reservationId,
            BigDecimal remainingUsd) {
        this(outcome, model, estimateUsd, reservations, refusal, unenforced, reservationId, remainingUsd, false);
    }

    /** A decision without a known remaining amount. */
    public BudgetDecision(
            Outcome outcome,
            String model,
            BigDecimal estimateUsd,
            List<Reservation> reservations,
            Refusal refusal,
            boolean unenforced,
            String reservationId) {
        this(outcome, model, estimateUsd, reservations, refusal, unenforced, reservationId, null);
    }

    public static final BudgetDecision NO_BUDGETS =
            new BudgetDecision(Outcome.ALLOW, null, BigDecimal.ZERO, List.of(), null, false, null);

    /** The same decision, marked as a degradation to {@code model}. */
    public BudgetDecision degraded() {
        return new BudgetDecision(
                Outcome.DEGRADE,
                model,
                estimateUsd,
                reservations,
                refusal,
                unenforced,
                reservationId,
                remainingUsd,
                chargedIfOrphaned);
    }

    /**
     * The tightest remaining amount once this call is settled at {@code actualCost} (null: unpriced, the reservation
     * is kept), computed from the reservation's answer without asking the store again: the remaining amount then,
     * plus what the settlement gives back. Empty when no budget was reserved. Other calls settling in between are not
     * in it, which is also true of a figure read at settlement.
     */
    public java.util.Optional<BigDecimal> remainingAfter(BigDecimal actualCost) {
        if (remainingUsd == null) {
            return java.util.Optional.empty();
        }
        if (actualCost == null) {
            return java.util.Optional.of(remainingUsd);
        }
        return java.util.Optional.of(remainingUsd.add(estimateUsd).subtract(actualCost));
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

    /**
     * Why a call was refused, with what a client needs to see: the budget with the least money left, and in
     * {@code alsoRefusing} every other budget that refused the same call (a daily and a monthly budget both short of it),
     * each with its own period end.
     *
     * @param periodEnd when this budget's period ends, null for a lifetime budget
     */
    public record Refusal(
            BudgetPolicy policy,
            String scopeValue,
            String period,
            BigDecimal spentUsd,
            Instant periodEnd,
            String reason,
            List<Refusal> alsoRefusing) {

        public Refusal {
            alsoRefusing = alsoRefusing == null ? List.of() : List.copyOf(alsoRefusing);
        }

        /** A call refused by one budget. */
        public Refusal(
                BudgetPolicy policy,
                String scopeValue,
                String period,
                BigDecimal spentUsd,
                Instant periodEnd,
                String reason) {
            this(policy, scopeValue, period, spentUsd, periodEnd, reason, List.of());
        }

        /** This refusal with {@code others} refusing the same call too. */
        public Refusal withAlsoRefusing(List<Refusal> others) {
            return new Refusal(policy, scopeValue, period, spentUsd, periodEnd, reason, others);
        }

        /**
         * The refusal, of this one and {@link #alsoRefusing}, whose budget refuses the call longest: the latest period
         * end, a lifetime budget (no end) longest of all; this one when they end together.
         */
        public Refusal longest() {
            Refusal longest = this;
            for (Refusal other : alsoRefusing) {
                if (longest.periodEnd != null
                        && (other.periodEnd == null || other.periodEnd.isAfter(longest.periodEnd))) {
                    longest = other;
                }
            }
            return longest;
        }

        /**
         * When every budget that refused the call has a new period: the latest of their period ends. Empty when one of
         * them is a lifetime budget, which waiting never frees (RFC 9110 10.2.3: {@code Retry-After} is how long to
         * wait before a follow-up; a client told the earliest end is refused again by the others).
         */
        public java.util.Optional<Instant> retryAt() {
            return java.util.Optional.ofNullable(longest().periodEnd);
        }
    }
}
