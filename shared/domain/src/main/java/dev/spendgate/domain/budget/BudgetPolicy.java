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
 * @param previousShards the shard count {@code shards} replaced, in force until {@code shardsFrom}; 0 when there is no
 *     change pending, or, with {@code shardsFrom} set, when the policy was set mid-period with no previous policy known
 *     (created, or set again after a delete): the spend so far may sit on items of another count, so until
 *     {@code shardsFrom} the enforcer sizes the shards from the ledger's items ({@link #countInForceUnknown})
 * @param shardsFrom when {@code shards} and {@code zone} take effect: the end of the period in force when they were
 *     changed (within a period the spend so far stays on the items of the count and zone in force, and new empty
 *     items would admit it again), or null when they are in effect already
 * @param previousZone the time zone {@code zone} replaced, in force until {@code shardsFrom} (null when the zone did
 *     not change)
 * @param since when the budget was first set (kept through edits; set again after a delete, it starts anew): it counts
 *     spend of its ledger item since its period began (kept through a delete, shared with a wildcard budget's item),
 *     and, once it has counted a day, its forecast and pace run from the later of its period's start and this ({@link
 *     #countingFrom}); null for a policy stored before it was kept, counted from its period's start as before
 * @param earlierLimits the limits this one replaced, oldest first, each with when it stopped being in force (the edit
 *     that changed it: a limit applies at once), so that a finished period is judged against the limit the gateway
 *     enforced in it ({@link #limitAt}); the last {@value #MAX_EARLIER_LIMITS} are kept, none on a policy stored before
 *     they were
 */
public record BudgetPolicy(
        BudgetScope scope,
        BudgetPeriod period,
        BigDecimal limitUsd,
        Mode mode,
        List<Integer> alertAt,
        OnStoreError onStoreError,
        ZoneId zone,
        int shards,
        int previousShards,
        Instant shardsFrom,
        ZoneId previousZone,
        Instant since,
        List<LimitChange> earlierLimits) {

    /** How many replaced limits a policy keeps ({@link #earlierLimits}): ten years of monthly changes. */
    public static final int MAX_EARLIER_LIMITS = 120;

    /** A limit a budget had until {@code until}, when an edit replaced it. */
    public record LimitChange(BigDecimal limitUsd, Instant until) {
        public LimitChange {
            Objects.requireNonNull(limitUsd, "limitUsd");
            Objects.requireNonNull(until, "until");
        }
    }

    /** A policy with no replaced limits kept. */
    public BudgetPolicy(
            BudgetScope scope,
            BudgetPeriod period,
            BigDecimal limitUsd,
            Mode mode,
            List<Integer> alertAt,
            OnStoreError onStoreError,
            ZoneId zone,
            int shards,
            int previousShards,
            Instant shardsFrom,
            ZoneId previousZone,
            Instant since) {
        this(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                zone,
                shards,
                previousShards,
                shardsFrom,
                previousZone,
                since,
                List.of());
    }

    public static final List<Integer> DEFAULT_ALERTS = List.of(50, 80, 100);
    public static final int MAX_SHARDS = 64;

    /** A policy of unknown creation time ({@code since} null). */
    public BudgetPolicy(
            BudgetScope scope,
            BudgetPeriod period,
            BigDecimal limitUsd,
            Mode mode,
            List<Integer> alertAt,
            OnStoreError onStoreError,
            ZoneId zone,
            int shards,
            int previousShards,
            Instant shardsFrom,
            ZoneId previousZone) {
        this(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                zone,
                shards,
                previousShards,
                shardsFrom,
                previousZone,
                null);
    }

    /** A policy whose time zone is in effect (only its shard count may be pending). */
    public BudgetPolicy(
            BudgetScope scope,
            BudgetPeriod period,
            BigDecimal limitUsd,
            Mode mode,
            List<Integer> alertAt,
            OnStoreError onStoreError,
            ZoneId zone,
            int shards,
            int previousShards,
            Instant shardsFrom) {
        this(scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards, previousShards, shardsFrom, null);
    }

    /** A policy whose shard count is in effect. */
    public BudgetPolicy(
            BudgetScope scope,
            BudgetPeriod period,
            BigDecimal limitUsd,
            Mode mode,
            List<Integer> alertAt,
            OnStoreError onStoreError,
            ZoneId zone,
            int shards) {
        this(scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards, 0, null);
    }

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
        earlierLimits = earlierLimits == null ? List.of() : List.copyOf(earlierLimits);
        if (shards < 1 || shards > MAX_SHARDS) {
            throw new IllegalArgumentException("shards must be between 1 and " + MAX_SHARDS + ", got " + shards);
        }
        if (shardsFrom == null) {
            previousShards = 0;
            previousZone = null;
        } else if (previousShards < 0 || previousShards > MAX_SHARDS) {
            throw new IllegalArgumentException(
                    "previous shards must be between 0 and " + MAX_SHARDS + ", got " + previousShards);
        } else if (previousShards == 0 || zone.equals(previousZone)) {
            previousZone = null; // unknown (set anew mid-period), or unchanged
        }
    }

    /** The largest limit a budget takes (USD): larger is a typo, and DynamoDB numbers hold 38 digits. */
    public static final BigDecimal MAX_LIMIT_USD = new BigDecimal("1000000000000");
    /** The most decimal places a limit takes. */
    public static final int MAX_LIMIT_SCALE = 10;

    /**
     * A limit as an operator gives it (admin API, CLI, console), checked: not negative, at most {@link #MAX_LIMIT_USD}
     * and {@link #MAX_LIMIT_SCALE} decimal places. Stored policies are not checked again when read.
     */
    public static BigDecimal checkedLimit(BigDecimal limitUsd) {
        if (limitUsd.signum() < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limitUsd.toPlainString());
        }
        if (limitUsd.compareTo(MAX_LIMIT_USD) > 0) {
            throw new IllegalArgumentException("limit must be at most " + MAX_LIMIT_USD.toPlainString() + " USD");
        }
        if (limitUsd.stripTrailingZeros().scale() > MAX_LIMIT_SCALE) {
            throw new IllegalArgumentException("limit takes at most " + MAX_LIMIT_SCALE + " decimal places");
        }
        return limitUsd;
    }

    /** An alert threshold as an operator gives it, checked: a percentage from 1 to 1000. */
    public static int checkedAlert(int percent) {
        if (percent < 1 || percent > 1000) {
            throw new IllegalArgumentException("alert thresholds are percentages from 1 to 1000, got " + percent);
        }
        return percent;
    }

    /** One policy per scope and period: {@code feature:chatbot/monthly}. */
    public String id() {
        return scope + "/" + period.label();
    }

    /** This policy first set at {@code since} (null: unknown). */
    public BudgetPolicy withSince(Instant since) {
        return withHistory(since, earlierLimits);
    }

    /** This policy first set at {@code since}, having replaced {@code earlierLimits} (oldest first). */
    public BudgetPolicy withHistory(Instant since, List<LimitChange> earlierLimits) {
        return new BudgetPolicy(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                zone,
                shards,
                previousShards,
                shardsFrom,
                previousZone,
                since,
                earlierLimits);
    }

    /**
     * The limit in force at {@code at}: the first of {@link #earlierLimits} replaced after it, else the current one.
     * Before {@link #since} the budget did not exist; a time before the oldest change kept reads that change's limit.
     */
    public BigDecimal limitAt(Instant at) {
        for (LimitChange earlier : earlierLimits) {
            if (at.isBefore(earlier.until())) {
                return earlier.limitUsd();
            }
        }
        return limitUsd;
    }

    /** The limit changes made within {@code [from, until)}, oldest first: each names the limit replaced and when. */
    public List<LimitChange> limitChangesWithin(Instant from, Instant until) {
        List<LimitChange> within = new java.util.ArrayList<>(0);
        for (LimitChange earlier : earlierLimits) {
            if (earlier.until().isAfter(from) && earlier.until().isBefore(until)) {
                within.add(earlier);
            }
        }
        return within;
    }

    /**
     * How long a budget set within its period must have counted before its forecast and pace run from its setting
     * ({@link #countingFrom}).
     */
    public static final java.time.Duration OWN_COUNT_BEFORE_FORECAST = java.time.Duration.ofDays(1);

    /**
     * When the forecast and pace of the period running at {@code now} count from: the period's start, or {@link #since}
     * when the budget was first set later in it and has counted at least {@link #OWN_COUNT_BEFORE_FORECAST} since; null
     * for a lifetime budget.
     *
     * <p>The ledger item counts the scope's spend since the period began, not since the budget was set: a budget deleted
     * and set again keeps its item, and a specific scope value shares the item of a wildcard budget ({@code team:search}
     * beside {@code team:*}). The ledger cannot tell how much of that spend came before {@code since}; spread over the
     * minutes since a setting, spend of the weeks before it would forecast hundreds of times the month (FC-1: $300 spent
     * December 1st-19th, set again on the 20th at 12:00, read $82,800 an hour later, not about $476). So a setting less
     * than a day old counts from the period's start. From then on a new budget is forecast at its own rate (R28A-2), and
     * one whose item held spend before its setting is overstated (falling as its period runs on).
     */
    public Instant countingFrom(Instant now) {
        Instant start = period.start(now, zone);
        if (start == null || since == null || !since.isAfter(start)) {
            return start;
        }
        if (since.plus(OWN_COUNT_BEFORE_FORECAST).isAfter(now)) {
            return start; // too short a count of its own to tell its rate from spend its item held before
        }
        return since;
    }

    /**
     * This policy as it applies at {@code now}: before {@link #shardsFrom}, with the shard count and time zone it
     * replaced (and nothing else different), or itself when those are unknown ({@link #countInForceUnknown});
     * otherwise without the pending change.
     */
    public BudgetPolicy inForceAt(Instant now) {
        BudgetPolicy shaped = shapeInForceAt(now);
        return Objects.equals(shaped.since, since) && shaped.earlierLimits.equals(earlierLimits)
                ? shaped
                : shaped.withHistory(since, earlierLimits);
    }

    private BudgetPolicy shapeInForceAt(Instant now) {
        if (shardsFrom == null) {
            return this;
        }
        if (!now.isBefore(shardsFrom)) {
            if (previousZone != null && namedApart(period.key(now, zone))) {
                // in effect, and still keeping the zone it replaced: this period's items carry the zone
                return new BudgetPolicy(
                        scope,
                        period,
                        limitUsd,
                        mode,
                        alertAt,
                        onStoreError,
                        zone,
                        shards,
                        shards,
                        shardsFrom,
                        previousZone);
            }
            return new BudgetPolicy(scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards);
        }
        if (previousShards == 0) {
            return this;
        }
        return new BudgetPolicy(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                previousZone != null ? previousZone : zone,
                previousShards);
    }

    /**
     * Whether this policy (as {@link #inForceAt} returned it) was set mid-period with no previous policy known: created,
     * or set again after a delete, so the spend of the period so far may sit on the items of another shard count. The
     * enforcer then sizes its shards from the items the ledger holds for the period, so that together they admit no
     * more than the limit ({@code BudgetEnforcer}); from the period's end the policy applies as stored.
     */
    public boolean countInForceUnknown() {
        return shardsFrom != null && previousShards == 0;
    }

    /**
     * This policy stored in place of {@code previous} (the same scope and period, or null) at {@code now}: first set when
     * {@code previous} was ({@link #since}; now when there is none), its replaced limits kept, the previous one's among
     * them when the limit changes ({@link #earlierLimits}). A changed
     * shard count or time zone takes effect when the current period ends: within a period the spend so far stays on the
     * items of the count and zone in force, and new items starting empty would admit up to the limit again (new shards
     * at {@code limit / N}; the new zone's period, keyed by its own date, at the whole limit). With no previous policy
     * (created, or set again after a delete) the count in force is unknown until the period ends
     * ({@link #countInForceUnknown}). A lifetime budget has no period end: its count changes at once (see
     * {@link #reshardWarning}).
     */
    public BudgetPolicy replacing(BudgetPolicy previous, Instant now) {
        // first set now, or when the budget it edits was (unknown for one stored before this was kept)
        if (previous == null) {
            return shapeReplacing(null, now).withHistory(now, List.of());
        }
        List<LimitChange> earlier = new java.util.ArrayList<>(previous.earlierLimits);
        if (previous.limitUsd.compareTo(limitUsd) != 0) {
            earlier.add(new LimitChange(previous.limitUsd, now)); // a new limit applies at once
        }
        if (earlier.size() > MAX_EARLIER_LIMITS) {
            earlier = earlier.subList(earlier.size() - MAX_EARLIER_LIMITS, earlier.size());
        }
        return shapeReplacing(previous, now).withHistory(previous.since, earlier);
    }

    private BudgetPolicy shapeReplacing(BudgetPolicy previous, Instant now) {
        if (period == BudgetPeriod.LIFETIME) {
            return shardsFrom == null
                    ? this
                    : new BudgetPolicy(scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards);
        }
        if (previous == null) {
            return new BudgetPolicy(
                    scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards, 0, period.end(now, zone));
        }
        BudgetPolicy inForce = previous.inForceAt(now);
        if (inForce.countInForceUnknown() && inForce.shards == shards && inForce.zone.equals(zone)) {
            // still unknown: the previous policy was itself set anew within this period (a changed count or zone
            // waits for the period's end below, with the previous policy's count and zone in force)
            return new BudgetPolicy(
                    scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards, 0, inForce.shardsFrom);
        }
        if (inForce.shards == shards && inForce.zone.equals(zone) && inForce.previousZone != null) {
            // set again while its new zone's period is named apart from the old zone's: kept so until it ends
            return new BudgetPolicy(
                    scope,
                    period,
                    limitUsd,
                    mode,
                    alertAt,
                    onStoreError,
                    zone,
                    shards,
                    inForce.previousShards,
                    inForce.shardsFrom,
                    inForce.previousZone);
        }
        if (inForce.shards == shards && inForce.zone.equals(zone)) {
            return shardsFrom == null
                    ? this
                    : new BudgetPolicy(scope, period, limitUsd, mode, alertAt, onStoreError, zone, shards);
        }
        return new BudgetPolicy(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                zone,
                shards,
                inForce.shards,
                period.end(now, inForce.zone),
                inForce.zone);
    }

    /**
     * What a user setting this policy (as {@link #replacing} returned it) in place of {@code previous} should know
     * about its shard count, or empty: when the new count waits for the period's end, or, for a lifetime budget, that
     * changing it lets the shards that start empty admit up to the limit again.
     */
    public Optional<String> reshardWarning(BudgetPolicy previous) {
        return reshardWarning(previous, Instant.MIN);
    }

    /**
     * As {@link #reshardWarning(BudgetPolicy)} for a policy set at {@code now}: a zone change already in effect (kept
     * while its new zone's period is named apart, {@link #replacing}) waits for nothing.
     */
    public Optional<String> reshardWarning(BudgetPolicy previous, Instant now) {
        if (shardsFrom != null && previousShards != 0 && now.isBefore(shardsFrom)) {
            String until = " until the current " + period.label() + " period ends and becomes ";
            String why = ": within a period the spend so far stays on the items in force";
            if (previousZone == null) {
                return Optional.of("the shard count stays " + previousShards + until + shards + " from " + shardsFrom
                        + ": within a period the spend so far stays on the shards in force");
            }
            String count = previousShards == shards
                    ? ""
                    : "; the shard count stays " + previousShards + " and becomes " + shards + " then";
            return Optional.of("the time zone stays " + previousZone.getId() + until + zone.getId() + " from "
                    + shardsFrom + count + why);
        }
        if (previous == null || previous.shards == shards || period != BudgetPeriod.LIFETIME) {
            return Optional.empty();
        }
        return Optional.of("the shard count of this lifetime budget changes from " + previous.shards + " to " + shards
                + " at once: its spend so far stays where it was, so the shards that start empty can admit up to its "
                + "limit again");
    }

    /**
     * This policy (as {@link #inForceAt} returned it) counting on its first {@code count} items only, as it does beside
     * a budget of fewer shards on the same scope value and period (they share their items, so each call is counted
     * once). Its spend of the period so far may sit on its other items, so the shard limit is worked out from the
     * ledger, as for a count in force unknown ({@link #countInForceUnknown}). Itself when {@code count} is its own.
     */
    public BudgetPolicy sharingItems(int count) {
        if (count == shards) {
            return this;
        }
        if (count < 1 || count > shards) {
            throw new IllegalArgumentException("a budget of " + shards + " shards cannot share " + count + " items");
        }
        return new BudgetPolicy(
                scope,
                period,
                limitUsd,
                mode,
                alertAt,
                onStoreError,
                zone,
                count,
                0,
                shardsFrom != null ? shardsFrom : Instant.MAX,
                null,
                since,
                earlierLimits);
    }

    /**
     * The ledger item this policy counts a call against, for the call's scope value (shard 0 when sharded). Budgets on
     * the same scope value and period ({@code feature:*} and {@code feature:chatbot}, {@code key:*} and {@code
     * key:key_...}) name the same item: the enforcer reserves and settles it once per call, for all of them.
     */
    public String itemKey(String scopeValue, Instant now) {
        return shardKey(scopeValue, now, 0);
    }

    /**
     * The ledger item of one shard; shard 0 of a policy is its only item when it is not sharded. A period of a new time
     * zone whose date the old zone's periods used (a zone moved westward, Tokyo to UTC: the UTC day 2026-12-06 running
     * when the Tokyo day 2026-12-06 ends) is named with its zone, {@code ...#2026-12-06@Z}, so that it starts empty
     * rather than on the old day's spend. Every other item keeps the name it always had (stored spend).
     */
    public String shardKey(String scopeValue, Instant now, int shard) {
        String periodKey = period.key(now, zone);
        if (previousZone != null && shardsFrom != null && namedApart(periodKey)) {
            periodKey = periodKey + "@" + zone.getId();
        }
        String base = "budget#" + scope.type().label() + ":" + scopeValue + "#" + period.label() + "#" + periodKey;
        return shard == 0 ? base : base + "#shard-" + shard;
    }

    /**
     * Whether the period of the new zone keyed {@code periodKey} is one whose key the previous zone's periods used: from
     * the new zone's period running at {@link #shardsFrom} to the old zone's last one (keys are ISO dates and months,
     * so they order as text). None when the zone moved eastward.
     */
    private boolean namedApart(String periodKey) {
        if (period == BudgetPeriod.LIFETIME) {
            return false;
        }
        return periodKey.compareTo(period.key(shardsFrom, zone)) >= 0
                && periodKey.compareTo(period.key(shardsFrom.minusMillis(1), previousZone)) <= 0;
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
