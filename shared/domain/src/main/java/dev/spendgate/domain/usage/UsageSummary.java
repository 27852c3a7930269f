package dev.spendgate.domain.usage;

import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Spend grouped by chosen record fields (feature, model, department, ...), summed exactly. A record whose cost the
 * monthly report's {@link CostCheck} quarantines (negative, implausible for its tokens, or mismatched with the catalog
 * version it names) is left out of every row and the total and only counted ({@link #quarantined()}), so the CLI, the
 * console and the board report agree.
 */
public final class UsageSummary {
    /** The fields a summary can group by, as named on the command line and in the record schema. */
    public static final Map<String, Function<UsageRecord, String>> DIMENSIONS = dimensions();

    /**
     * The row label of records without a value for a dimension. No attribution value may contain parentheses, so it
     * is never a real value: a filter on it selects the records without one ({@link #label}).
     */
    public static final String NONE = "(none)";

    private final List<String> groupBy;
    private final Map<List<String>, Row> rows = new LinkedHashMap<>();
    private final Row total = new Row(List.of());
    private final CostCheck check;
    private final Map<CostCheck.Reason, Long> quarantined = new java.util.EnumMap<>(CostCheck.Reason.class);

    private UsageSummary(List<String> groupBy, CostCheck check) {
        for (String dimension : groupBy) {
            if (!DIMENSIONS.containsKey(dimension)) {
                throw new IllegalArgumentException(
                        "cannot group by '" + dimension + "'; choose from " + String.join(", ", DIMENSIONS.keySet()));
            }
        }
        this.groupBy = List.copyOf(groupBy);
        this.check = java.util.Objects.requireNonNull(check, "check");
    }

    /** Checks costs for sign only ({@link CostCheck#NONE}): for when no pricing catalog is known. */
    public static UsageSummary groupedBy(List<String> dimensions) {
        return new UsageSummary(dimensions, CostCheck.NONE);
    }

    /**
     * Quarantines as {@code check} does; pass the monthly report's ({@code CostCheck.against} the catalog with the
     * customer's overrides) for figures that agree with it.
     */
    public static UsageSummary groupedBy(List<String> dimensions, CostCheck check) {
        return new UsageSummary(dimensions, check);
    }

    /** Adds the record to its row and the total, or only counts it when the cost check quarantines it. */
    public void add(UsageRecord r) {
        java.util.Optional<CostCheck.Reason> reason = check.check(r);
        if (reason.isPresent()) {
            quarantined.merge(reason.get(), 1L, Long::sum);
            return;
        }
        List<String> key = new ArrayList<>(groupBy.size());
        for (String dimension : groupBy) {
            key.add(label(DIMENSIONS.get(dimension).apply(r)));
        }
        rows.computeIfAbsent(key, Row::new).add(r);
        total.add(r);
    }

    /** A record's value as its row is labelled: {@link #NONE} for no value. */
    public static String label(String value) {
        return value == null ? NONE : value;
    }

    public List<String> groupBy() {
        return groupBy;
    }

    /** Rows by descending cost, then key. */
    public List<Row> rows() {
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(
                Comparator.comparing(Row::costUsd).reversed().thenComparing(row -> String.join("\u0000", row.key())));
        return sorted;
    }

    public Row total() {
        return total;
    }

    /** Records left out of every figure because their cost is negative. */
    public long negativeCostRecords() {
        return quarantined.getOrDefault(CostCheck.Reason.NEGATIVE_COST, 0L);
    }

    /** Records left out of every figure, by the reason the cost check gave; only reasons that occurred. */
    public Map<CostCheck.Reason, Long> quarantined() {
        return java.util.Collections.unmodifiableMap(quarantined);
    }

    /** How many records {@link #quarantined()} holds. */
    public long quarantinedRecords() {
        return quarantined.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * What was left out and why, as the console and {@code ./spendgate usage} print it, e.g. "1 records with a
     * negative cost, 2 records with a cost above the model's maximum for its tokens"; empty when nothing was.
     */
    public String quarantinedSentence() {
        return quarantinedSentenceByReason(quarantined);
    }

    /** {@link #quarantinedSentence()} of counts kept elsewhere (a stored findings document's), in reason order. */
    public static String quarantinedSentenceByReason(Map<CostCheck.Reason, Long> quarantined) {
        List<String> parts = new ArrayList<>();
        new java.util.TreeMap<>(quarantined).forEach((reason, n) -> parts.add(n + " records with " + phrase(reason)));
        return String.join(", ", parts);
    }

    /**
     * The same sentence for counts keyed by {@link CostCheck.Reason#key()}, as a read's {@code
     * ReadStats.quarantinedByReason()} holds them (e.g. the waste analysis's input): a key no reason has is named as
     * it is. Empty when nothing was left out.
     */
    public static String quarantinedSentence(Map<String, Long> byReasonKey) {
        List<String> parts = new ArrayList<>();
        new java.util.TreeMap<>(byReasonKey).forEach((key, n) -> {
            String why = java.util.Arrays.stream(CostCheck.Reason.values())
                    .filter(r -> r.key().equals(key))
                    .findFirst()
                    .map(UsageSummary::phrase)
                    .orElse("a cost the check rejected (" + key + ")");
            parts.add(n + " records with " + why);
        });
        return String.join(", ", parts);
    }

    private static String phrase(CostCheck.Reason reason) {
        return switch (reason) {
            case NEGATIVE_COST -> "a negative cost";
            case NON_NUMERIC_COST -> "a cost that is not a number";
            case IMPLAUSIBLE_COST -> "a cost above the model's maximum for its tokens";
            case MISMATCHED_COST -> "a cost other than the catalog version they name";
        };
    }

    private static Map<String, Function<UsageRecord, String>> dimensions() {
        Map<String, Function<UsageRecord, String>> d = new LinkedHashMap<>();
        d.put("feature", r -> r.attribution().feature());
        d.put("department", r -> r.attribution().department());
        d.put("team", r -> r.attribution().team());
        d.put("environment", r -> r.attribution().environment());
        d.put("session", r -> r.attribution().session());
        d.put("user", r -> r.attribution().user());
        d.put("run", r -> r.attribution().run());
        d.put("key", UsageRecord::keyId);
        d.put("provider", UsageRecord::provider);
        d.put("model", UsageRecord::pricedModel);
        d.put("endpoint", UsageRecord::endpoint);
        d.put("status", r -> Integer.toString(r.statusCode()));
        d.put("day", r -> r.tsStart().toString().substring(0, 10));
        d.put("hour", r -> r.tsStart().truncatedTo(ChronoUnit.HOURS).toString());
        d.put("pricing_status", r -> r.pricingStatus().name().toLowerCase(Locale.ROOT));
        return java.util.Collections.unmodifiableMap(d);
    }

    /** The error types of calls the provider may have billed without their usage arriving (recorded unpriced). */
    public static final java.util.Set<String> UNANSWERED =
            java.util.Set.of("upstream_timeout", "upstream_no_answer", "upstream_truncated");

    /**
     * Whether the record is an unpriced call whose answer never arrived whole ({@link #UNANSWERED}), rather than one
     * of a model the catalog has no price for (which has no error type).
     */
    public static boolean unanswered(UsageRecord r) {
        return r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED
                && r.errorType() != null
                && UNANSWERED.contains(r.errorType());
    }

    /**
     * Whether the record is a call the gateway or the provider refused with nothing billed: no cost, not unpriced
     * (whose cost is unknown, not none), and a status 4xx/5xx or an error type, e.g. a blocking budget's 429 {@code
     * budget_exceeded}. The monthly report's data quality counts these as "rejected calls" by this same rule.
     */
    public static boolean rejected(UsageRecord r) {
        return r.pricingStatus() != UsageRecord.PricingStatus.UNPRICED
                && r.costUsd() == null
                && (r.statusCode() >= 400 || r.errorType() != null);
    }

    /** Totals of one group. */
    public static final class Row {
        private final List<String> key;
        private long calls;
        private long inputTokens;
        private long outputTokens;
        private long unpricedCalls;
        private long unansweredCalls;
        private long gatewayStoppedCalls;
        private long rejectedCalls;
        private long worstCaseCalls;
        private BigDecimal costUsd = BigDecimal.ZERO;
        private BigDecimal worstCaseUsd = BigDecimal.ZERO;
        private long estimatedCalls;
        private BigDecimal estimatedUsd = BigDecimal.ZERO;

        Row(List<String> key) {
            this.key = List.copyOf(key);
        }

        void add(UsageRecord r) {
            calls++;
            inputTokens += r.tokens().inputTokens();
            outputTokens += r.tokens().outputTokens();
            if (r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED) {
                unpricedCalls++;
                UnpricedCause cause = UnpricedCause.of(r);
                if (cause == UnpricedCause.UNANSWERED) {
                    unansweredCalls++;
                } else if (cause == UnpricedCause.GATEWAY_STOPPED) {
                    gatewayStoppedCalls++;
                }
            }
            if (rejected(r)) {
                rejectedCalls++;
            }
            if (r.costUsd() != null) {
                costUsd = costUsd.add(r.costUsd());
                if (r.worstCaseEstimate()) {
                    worstCaseCalls++;
                    worstCaseUsd = worstCaseUsd.add(r.costUsd());
                } else if (r.usageSource() == UsageRecord.UsageSource.ESTIMATED) {
                    estimatedCalls++;
                    estimatedUsd = estimatedUsd.add(r.costUsd());
                }
            }
        }

        public List<String> key() {
            return key;
        }

        public long calls() {
            return calls;
        }

        public long inputTokens() {
            return inputTokens;
        }

        public long outputTokens() {
            return outputTokens;
        }

        public long unpricedCalls() {
            return unpricedCalls;
        }

        /**
         * Unpriced calls whose cost is unknown because the provider's answer never arrived whole (sent, no answer in
         * time, or cut), not because their model has no price; their budgets hold the worst case.
         */
        public long unansweredCalls() {
            return unansweredCalls;
        }

        /**
         * Unpriced calls whose cost is unknown because the gateway stopped while they were at their provider, with no
         * budget to hold a worst case ({@link UnpricedCause#GATEWAY_STOPPED}), not because their model has no price.
         */
        public long gatewayStoppedCalls() {
            return gatewayStoppedCalls;
        }

        /**
         * Unpriced calls the catalog has no price for ({@link UnpricedCause#NO_PRICE}): the unpriced calls less those
         * whose answer never arrived whole or that a gateway stop cut off.
         */
        public long noPriceCalls() {
            return unpricedCalls - unansweredCalls - gatewayStoppedCalls;
        }

        /**
         * Calls refused by the gateway or the provider with nothing billed ({@link UsageSummary#rejected}): counted
         * in {@link #calls()} at no cost, as the monthly report's "rejected calls".
         */
        public long rejectedCalls() {
            return rejectedCalls;
        }

        public BigDecimal costUsd() {
            return costUsd;
        }

        /**
         * Calls that never settled, recorded at the worst case reserved for them ({@code cost_basis
         * reserved_worst_case}): an estimate, counted in {@link #costUsd()}.
         */
        public long worstCaseCalls() {
            return worstCaseCalls;
        }

        /** What the {@link #worstCaseCalls()} add to {@link #costUsd()}. */
        public BigDecimal worstCaseUsd() {
            return worstCaseUsd;
        }

        /**
         * Priced calls whose tokens the gateway counted itself, the provider having reported none ({@code usage_source
         * estimated}, worst cases apart): their cost, in {@link #costUsd()}, is an estimate.
         */
        public long estimatedCalls() {
            return estimatedCalls;
        }

        /** What the {@link #estimatedCalls()} add to {@link #costUsd()}. */
        public BigDecimal estimatedUsd() {
            return estimatedUsd;
        }
    }
}
