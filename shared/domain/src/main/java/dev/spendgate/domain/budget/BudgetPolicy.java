package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * "This scope may spend this much per period, and this is what happens when it is short."
 *
 * @param alertAt percentages of the limit at which an alert is sent once per period (default 50, 80, 100)
 * @param onStoreError what to do when the budget store cannot be reached
 * @param shards how many ledger items share the limit (1 unless the budget is hot: one DynamoDB item takes about
 *     1,000 writes per second); each holds {@code limit / shards} and a call that does not fit its shard borrows
 *     another's headroom before it is refused
 */
public record BudgetPolicy(
        BudgetScope scope,
        BudgetPeriod period,
        BigDecimal limitUsd,
        Mode mode,
        List<Integer> alertAt,
        OnStoreError onStoreError,
        ZoneId zone,
        int shards) {

    public static final List<Integer> DEFAULT_ALERTS = List.of(50, 80, 100);
    public static final int MAX_SHARDS = 64;

    /** A policy on one ledger item (not sharded). */
    public BudgetPolicy(
            BudgetScope scope,
            BudgetPeriod period,
            BigDecimal limitUsd,
            Mode mode,
            List<Integer> alertAt,
            OnStoreError onStoreError,
            ZoneId zone) {
        this(scope, period, limitUsd, mode, alertAt, onStoreError, zone, 1);
    }

    public BudgetPolicy {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(limitUsd, "limitUsd");
        Objects.requireNonNull(mode, "mode");
        if (limitUsd.signum() < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limitUsd.toPlainString());
        }
        alertAt = alertAt == null ? DEFAULT_ALERTS : List.copyOf(alertAt);
        for (int pct : alertAt) {
            if (pct < 1 || pct > 1000) {
                throw new IllegalArgumentException("alert thresholds are percentages from 1 to 1000, got " + pct);
            }
        }
        onStoreError = onStoreError != null
                ? onStoreError
                : mode == Mode.BLOCK ? OnStoreError.FAIL_CLOSED : OnStoreError.FAIL_OPEN;
        zone = zone == null ? ZoneOffset.UTC : zone;
        if (shards < 1 || shards > MAX_SHARDS) {
            throw new IllegalArgumentException("shards must be between 1 and " + MAX_SHARDS + ", got " + shards);
        }
    }

    /** One policy per scope and period: {@code feature:chatbot/monthly}. */
    public String id() {
        return scope + "/" + period.label();
    }

    /**
     * What replacing {@code previous} (the same scope and period) by this policy does to the current period when the
     * number of shards changes, or empty when it does not: the spend so far stays on the items of the old count, and
     * the new shards each allow {@code limit / N} from zero, so until the period ends the budget can admit more than
     * its limit.
     */
    public Optional<String> reshardWarning(BudgetPolicy previous) {
        if (previous == null || previous.shards == shards) {
            return Optional.empty();
        }
        return Optional.of("the shard count changes from " + previous.shards + " to " + shards
                + " within the current " + period.label() + " period: its spend so far stays where it was, and "
                + "until the period ends this budget can admit up to its limit again on the shards that start empty; "
                + "change the shard count at the start of a period");
    }

    /** The ledger item this policy counts a call against, for the call's scope value (shard 0 when sharded). */
    public String itemKey(String scopeValue, Instant now) {
        return shardKey(scopeValue, now, 0);
    }

    /** The ledger item of one shard; shard 0 of a policy is its only item when it is not sharded. */
    public String shardKey(String scopeValue, Instant now, int shard) {
        String base = "budget#" + scope.type().label() + ":" + scopeValue + "#" + period.label() + "#"
                + period.key(now, zone);
        return shard == 0 ? base : base + "#shard-" + shard;
    }

    /**
     * The limit of each shard: the limit divided by the number of shards, rounded down to a billionth of a dollar, so
     * the shards together never allow more than the limit.
     */
    public BigDecimal shardLimit() {
        return shards == 1 ? limitUsd : limitUsd.divide(BigDecimal.valueOf(shards), 9, java.math.RoundingMode.DOWN);
    }

    /** What happens to a call the budget cannot afford. */
    public enum Mode {
        /** Refuse it: 429, nothing forwarded. */
        BLOCK,
        /** Forward it to a cheaper model of its declared degradation chain, or refuse it when none fits. */
        DEGRADE,
        /** Forward it anyway, record the overage and alert. */
        ALERT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown mode '" + text + "'; use block, degrade or alert");
            }
        }
    }

    /** What to do when the ledger cannot be reached. */
    public enum OnStoreError {
        /** Refuse the call (503). The default for {@code block} budgets: never silently allow a blocked call. */
        FAIL_CLOSED,
        /** Forward the call, mark its record {@code unenforced}, alert. */
        FAIL_OPEN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static OnStoreError parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "unknown --on-store-error '" + text + "'; use fail_closed or fail_open");
            }
        }
    }
}
