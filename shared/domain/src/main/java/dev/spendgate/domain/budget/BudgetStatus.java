package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Where a budget stands in its current period: settled spend, open reservations, what remains, a period-end forecast
 * (spend so far extrapolated linearly from when the budget began counting, {@link BudgetPolicy#countingFrom}: the
 * period's start, or, a day after it, the budget's first setting later in it; null for lifetime budgets), and the alert thresholds settled spend has crossed
 * as the enforcer judges them: a sharded budget by its fullest shard against the shard's limit, since the enforcer
 * alerts when the shard a call settled on crosses a threshold. A shard holding more than its share cannot have been
 * filled by the budget's own shards: its spend sits on the items of fewer shards (those of a budget of fewer shards on
 * the same scope value, which it shares), judged, as the enforcer does, against the limit over that count: the items
 * holding spend.
 */
public record BudgetStatus(
        BudgetPolicy policy,
        String scopeValue,
        String period,
        BigDecimal spentUsd,
        BigDecimal inFlightUsd,
        BigDecimal remainingUsd,
        BigDecimal forecastUsd,
        BigDecimal usedPercent,
        java.util.List<Integer> alertsCrossed) {

    public BudgetStatus {
        alertsCrossed = java.util.List.copyOf(alertsCrossed);
    }

    /** The status of one budget item from its ledger state. */
    public static BudgetStatus of(BudgetPolicy policy, String scopeValue, BudgetState state, Instant now) {
        return of(policy, scopeValue, state, state.spent(), 1, now);
    }

    /**
     * As {@link #of(BudgetPolicy, String, BudgetState, Instant)}, alerts judged by the fullest shard's spend; {@code
     * itemsSpent}: how many of the budget's first items hold spend (the last of them holding some).
     */
    private static BudgetStatus of(
            BudgetPolicy policy,
            String scopeValue,
            BudgetState state,
            BigDecimal fullestShardSpent,
            int itemsSpent,
            Instant now) {
        BigDecimal forecast = null;
        // the period's start, or the budget's first setting later in it once it has counted a day (countingFrom)
        Instant start = policy.countingFrom(now);
        Instant end = policy.period().end(now, policy.zone());
        if (start != null && end != null) {
            BigDecimal elapsed =
                    BigDecimal.valueOf(Math.max(1, Duration.between(start, now).getSeconds()));
            BigDecimal total = BigDecimal.valueOf(Duration.between(start, end).getSeconds());
            forecast = state.spent().multiply(total).divide(elapsed, MathContext.DECIMAL64);
        }
        BigDecimal used = policy.limitUsd().signum() == 0
                ? null
                : state.committed()
                        .multiply(BigDecimal.valueOf(100))
                        .divide(policy.limitUsd(), 1, RoundingMode.HALF_UP);
        return new BudgetStatus(
                policy,
                scopeValue,
                policy.period().key(now, policy.zone()),
                state.spent(),
                state.reserved(),
                state.remaining(policy.limitUsd()),
                forecast,
                used,
                crossed(policy, fullestShardSpent, itemsSpent));
    }

    /** The thresholds {@code shardSpent} has reached on one shard, as BudgetEnforcer.alertIfCrossed computes them. */
    private static java.util.List<Integer> crossed(BudgetPolicy policy, BigDecimal shardSpent, int itemsSpent) {
        BigDecimal shardLimit = policy.shardLimit();
        if (shardSpent.compareTo(shardLimit) > 0 && itemsSpent < policy.shards()) {
            // more than its share: the items of fewer shards, shared with a budget of that count (sharingItems)
            shardLimit = policy.sharingItems(Math.max(1, itemsSpent)).shardLimit();
        }
        if (shardLimit.signum() == 0) {
            return java.util.List.of();
        }
        BigDecimal percent = shardSpent.multiply(BigDecimal.valueOf(100)).divide(shardLimit, MathContext.DECIMAL64);
        java.util.List<Integer> crossed = new java.util.ArrayList<>();
        for (int threshold : policy.alertAt()) {
            if (percent.compareTo(BigDecimal.valueOf(threshold)) >= 0) {
                crossed.add(threshold);
            }
        }
        return crossed;
    }

    /**
     * The status of a policy whose scope names one value (or {@code global}), or null for a per-value scope such as
     * {@code run:*}, whose items are one per value.
     */
    public static BudgetStatus ofPolicy(BudgetPolicy stored, BudgetLedger ledger, Instant now) {
        BudgetPolicy policy = stored.inForceAt(now); // the shards the current period's spend is on
        BudgetScope scope = policy.scope();
        if (scope.value().equals(BudgetScope.EACH) && scope.type() != ScopeType.GLOBAL) {
            return null;
        }
        String value = scope.type() == ScopeType.GLOBAL ? BudgetScope.EACH : scope.value();
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
        BigDecimal committed = BigDecimal.ZERO;
        BigDecimal fullest = BigDecimal.ZERO;
        int itemsSpent = 0;
        // a budget set anew mid-period: the period's spend may also sit on the items of an earlier, larger count
        int items = policy.countInForceUnknown() ? BudgetPolicy.MAX_SHARDS : policy.shards();
        for (int shard = 0; shard < items; shard++) {
            BudgetState state = ledger.state(policy.shardKey(value, now, shard)).orElse(BudgetState.EMPTY);
            fullest = fullest.max(state.spent());
            if (state.spent().signum() > 0 && shard < policy.shards()) {
                itemsSpent = shard + 1;
            }
            spent = spent.add(state.spent());
            reserved = reserved.add(state.reserved());
            committed = committed.add(state.committed());
        }
        return of(policy, value, new BudgetState(spent, reserved, committed), fullest, itemsSpent, now);
    }
}
