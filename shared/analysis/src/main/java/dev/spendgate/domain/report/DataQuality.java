package dev.spendgate.domain.report;

import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UnpricedCause;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a month's figures rest on: objects and records read, what was damaged, skipped or quarantined (and why), and
 * the calls whose figures are estimated, unpriced or rejected. Filled while the month is read; every report output
 * shows it ({@code data-quality.json}, the PDF's first page and last note, stderr).
 */
public final class DataQuality {
    private static final int EXAMPLES = 20;

    /** Where the month stands when the report runs. */
    public enum MonthState {
        COMPLETE,
        RUNNING,
        FUTURE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What a pre-aggregated month's query checked of each record's cost before summing it (a month read record by
     * record checks everything {@link CostCheck} does).
     */
    public enum AggregatedCostCheck {
        /** No record's cost was checked: summed as written. */
        NONE,
        /** Costs that are not a number or negative were quarantined (no catalog to hold the others to). */
        SIGN_AND_NUMBER,
        /**
         * Also costs above the model's maximum for their tokens (the catalog's highest per-token price), as {@link
         * CostCheck} finds them; not a cost that differs from the catalog version it names.
         */
        CATALOG_MAXIMUM
    }

    private final boolean checked;
    private AggregatedCostCheck aggregatedCostCheck = AggregatedCostCheck.NONE;
    private long uncheckedIdentities;
    private long uncheckedRecords;
    private UsageLogReader.ReadStats read;
    private MonthState state = MonthState.COMPLETE;
    private final Map<CostCheck.Reason, Long> quarantined = new EnumMap<>(CostCheck.Reason.class);
    private BigDecimal quarantinedClaimedUsd = BigDecimal.ZERO;
    private long included;
    private long estimated;
    private BigDecimal estimatedUsd = BigDecimal.ZERO;
    private long worstCase;
    private BigDecimal worstCaseUsd = BigDecimal.ZERO;
    private long unpriced;
    private final Map<UnpricedCause, Long> unpricedByCause = new EnumMap<>(UnpricedCause.class);
    private long rejected;
    private long outcomesMatchedToNoCall;
    private final List<String> examples = new ArrayList<>();

    private DataQuality(boolean checked) {
        this.checked = checked;
    }

    /** For a month read record by record, each cost checked. */
    public static DataQuality checked() {
        return new DataQuality(true);
    }

    /** For a pre-aggregated month (Athena): nothing is known record by record. */
    public static DataQuality unchecked() {
        return new DataQuality(false);
    }

    /** Counts a record that goes into the figures. */
    public void included(UsageRecord r) {
        included++;
        if (r.usageSource() == UsageRecord.UsageSource.ESTIMATED) {
            estimated++;
            if (r.costUsd() != null) {
                estimatedUsd = estimatedUsd.add(r.costUsd());
            }
        }
        if (r.worstCaseEstimate() && r.costUsd() != null) {
            worstCase++;
            worstCaseUsd = worstCaseUsd.add(r.costUsd());
        }
        if (r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED) {
            unpriced++;
            unpricedByCause.merge(UnpricedCause.of(r), 1L, Long::sum);
        }
        if (UsageSummary.rejected(r)) {
            rejected++;
        }
    }

    /** For a pre-aggregated month: the calls its cells hold (so a month with data is not taken for an empty one). */
    public void aggregated(long calls) {
        aggregated(calls, 0, BigDecimal.ZERO);
    }

    /**
     * As {@link #aggregated(long)}, with the calls charged at their reserved worst case and their cost, which the
     * aggregates count apart ({@code cost_basis}), so a pre-aggregated month reports them as a month read record by
     * record does.
     */
    public void aggregated(long calls, long worstCaseCalls, BigDecimal worstCaseUsd) {
        aggregated(calls, worstCaseCalls, worstCaseUsd, worstCaseCalls, worstCaseUsd);
    }

    /**
     * As {@link #aggregated(long, long, BigDecimal)}, with the priced calls whose figures are estimated and their cost
     * (those priced on tokens the gateway counted itself, and those charged at their worst case), which the aggregates
     * count apart ({@code usage_source}, {@code cost_basis}), so a pre-aggregated month states the estimated cost as a
     * month read record by record does.
     */
    public void aggregated(
            long calls, long estimatedCalls, BigDecimal estimatedUsd, long worstCaseCalls, BigDecimal worstCaseUsd) {
        if (checked) {
            throw new IllegalStateException("a month read record by record counts its records as they come");
        }
        included = calls;
        estimated = estimatedCalls;
        this.estimatedUsd = java.util.Objects.requireNonNull(estimatedUsd, "estimatedUsd");
        worstCase = worstCaseCalls;
        this.worstCaseUsd = java.util.Objects.requireNonNull(worstCaseUsd, "worstCaseUsd");
    }

    /** For a pre-aggregated month: what its query checked of each record's cost. */
    public void aggregatedCostCheck(AggregatedCostCheck check) {
        if (checked) {
            throw new IllegalStateException("a month read record by record checks every cost");
        }
        this.aggregatedCostCheck = java.util.Objects.requireNonNull(check, "check");
    }

    /** What a pre-aggregated month's query checked of each cost ({@link AggregatedCostCheck#NONE} when read one by one). */
    public AggregatedCostCheck aggregatedCostCheck() {
        return aggregatedCostCheck;
    }

    /**
     * For a pre-aggregated month held to the catalog: the priced models (and their records) the query had no room to
     * hold to their maximum, checked for sign and number only.
     */
    public void aggregatedUnchecked(long identities, long records) {
        if (checked) {
            throw new IllegalStateException("a month read record by record checks every cost");
        }
        uncheckedIdentities = identities;
        uncheckedRecords = records;
    }

    /** Priced models of a pre-aggregated month whose costs were not held to their maximum (no room in the query). */
    public long uncheckedIdentities() {
        return uncheckedIdentities;
    }

    /** The records of {@link #uncheckedIdentities()}. */
    public long uncheckedRecords() {
        return uncheckedRecords;
    }

    /**
     * For a pre-aggregated month whose query checked costs: {@code records} left out of every figure for {@code
     * reason}, and the numeric costs they claimed.
     */
    public void quarantinedAggregated(CostCheck.Reason reason, long records, BigDecimal claimedUsd) {
        if (checked) {
            throw new IllegalStateException("a month read record by record counts its records as they come");
        }
        quarantined.merge(reason, records, Long::sum);
        quarantinedClaimedUsd = quarantinedClaimedUsd.add(claimedUsd);
    }

    /** Counts a record left out of every figure, and keeps its request id as an example. */
    public void quarantined(UsageRecord r, CostCheck.Reason reason) {
        quarantined.merge(reason, 1L, Long::sum);
        quarantinedClaimedUsd = quarantinedClaimedUsd.add(r.costUsd());
        if (examples.size() < EXAMPLES) {
            examples.add(r.requestId() + ": " + reason.description() + " (cost_usd "
                    + r.costUsd().toPlainString()
                    + " for " + (r.tokens().inputTokens() + r.tokens().outputTokens()) + " tokens of "
                    + r.pricedModel() + ")");
        }
    }

    /** What the log reader saw, including lines whose {@code cost_usd} was not a number. */
    public void read(UsageLogReader.ReadStats stats) {
        this.read = stats;
    }

    public void state(MonthState state) {
        this.state = java.util.Objects.requireNonNull(state, "state");
    }

    public MonthState state() {
        return state;
    }

    /** False for pre-aggregated sources: no record was checked. */
    public boolean recordsChecked() {
        return checked;
    }

    public long objects() {
        return read == null ? 0 : read.objects();
    }

    public long damagedObjects() {
        return read == null ? 0 : read.unreadableObjects();
    }

    /** Records the reader delivered (included plus quarantined). */
    public long recordsRead() {
        return read == null ? included + quarantinedCount() : read.records();
    }

    /** Every line read: records delivered plus lines that could not be read as records. */
    public long linesRead() {
        return recordsRead() + (read == null ? 0 : read.malformedLines());
    }

    /** Lines that could not be read as records, other than a non-numeric cost (counted as quarantined). */
    public long unreadableRecords() {
        return read == null ? 0 : read.malformedLines() - nonNumericCosts();
    }

    public long duplicatesDropped() {
        return read == null ? 0 : read.duplicates();
    }

    /** Quarantined records per reason, every reason listed. */
    public Map<CostCheck.Reason, Long> quarantined() {
        Map<CostCheck.Reason, Long> all = new EnumMap<>(CostCheck.Reason.class);
        for (CostCheck.Reason reason : CostCheck.Reason.values()) {
            all.put(reason, quarantined.getOrDefault(reason, 0L));
        }
        // a month read record by record counts non-numeric costs among its unreadable lines; an aggregated one here
        all.put(
                CostCheck.Reason.NON_NUMERIC_COST,
                nonNumericCosts() + quarantined.getOrDefault(CostCheck.Reason.NON_NUMERIC_COST, 0L));
        return Collections.unmodifiableMap(all);
    }

    public long quarantinedCount() {
        long n = nonNumericCosts();
        for (long v : quarantined.values()) {
            n += v;
        }
        return n;
    }

    /** The sum of the numeric costs the quarantined records claimed (not in any total). */
    public BigDecimal quarantinedClaimedUsd() {
        return FocusCharges.stripped(quarantinedClaimedUsd);
    }

    public long includedCalls() {
        return included;
    }

    public long estimatedCalls() {
        return estimated;
    }

    /**
     * What the {@link #estimatedCalls()} add to the totals: their cost on tokens the gateway counted itself (a stream
     * cut before its usage) or at the worst case reserved (a call that never settled), not a provider-reported amount.
     * A pre-aggregated month counts its priced estimated calls only (its cells do not count unpriced ones apart).
     */
    public BigDecimal estimatedUsd() {
        return FocusCharges.stripped(estimatedUsd);
    }

    /**
     * Of the estimated calls, those that never settled: charged at the worst case reserved before they were
     * forwarded ({@code cost_basis: reserved_worst_case}), not at a provider-reported amount.
     */
    public long worstCaseCalls() {
        return worstCase;
    }

    /** What {@link #worstCaseCalls()} add to the totals. */
    public BigDecimal worstCaseUsd() {
        return FocusCharges.stripped(worstCaseUsd);
    }

    public long unpricedCalls() {
        return unpriced;
    }

    /**
     * The {@link #unpricedCalls()} by why their cost is unknown ({@link UnpricedCause}), in the causes' order, causes
     * without a call left out: a call the gateway was stopped during is not a gap in the catalog.
     */
    public Map<UnpricedCause, Long> unpricedByCause() {
        return Collections.unmodifiableMap(unpricedByCause);
    }

    /** Calls refused by the gateway or provider with nothing billed, by {@link UsageSummary#rejected}'s rule. */
    public long rejectedCalls() {
        return rejected;
    }

    public List<String> examples() {
        return Collections.unmodifiableList(examples);
    }

    public List<String> readerWarnings() {
        return read == null ? List.of() : read.warnings();
    }

    /** True when the month has no usage to report (nothing included). */
    public boolean noData() {
        return included == 0;
    }

    /** True when input was damaged or records were quarantined: what {@code report --strict} fails on. */
    public boolean damagedOrQuarantined() {
        return damagedObjects() > 0 || unreadableRecords() > 0 || quarantinedCount() > 0;
    }

    /**
     * Records how many outcomes of the month were matched to no call (their session or request id is on no call of
     * their key this month or the month before): counted in cost per outcome's divisor at no cost of their own.
     */
    public void outcomesMatchedToNoCall(long outcomes) {
        this.outcomesMatchedToNoCall = outcomes;
    }

    public long outcomesMatchedToNoCall() {
        return outcomesMatchedToNoCall;
    }

    /** The one line the PDF's first page and stderr carry. */
    public String summaryLine() {
        if (!checked) {
            return aggregatedSummaryLine();
        }
        StringBuilder b = new StringBuilder("Data quality: ");
        b.append(n(objects()))
                .append(" objects read, ")
                .append(n(damagedObjects()))
                .append(" damaged; ");
        b.append(n(linesRead()))
                .append(" records, ")
                .append(n(unreadableRecords()))
                .append(" unreadable, ")
                .append(n(quarantinedCount()))
                .append(" quarantined");
        if (quarantinedClaimedUsd.signum() != 0) {
            b.append(" (claiming ").append(Money.usd(quarantinedClaimedUsd)).append(", left out of every total)");
        }
        b.append("; ").append(n(estimatedCalls())).append(" estimated");
        if (estimatedUsd.signum() != 0) {
            b.append(" (").append(Money.usd(estimatedUsd)).append(" of the total)");
        }
        b.append(", ")
                .append(n(unpricedCalls()))
                .append(" unpriced, ")
                .append(n(rejectedCalls()))
                .append(" rejected calls.");
        return b.toString();
    }

    /**
     * The summary line of a pre-aggregated month: what its query checked, what it quarantined, and the estimated part
     * of the total, as a month read record by record states it.
     */
    private String aggregatedSummaryLine() {
        StringBuilder b = new StringBuilder("Data quality: totals aggregated by Athena; ");
        if (aggregatedCostCheck == AggregatedCostCheck.NONE) {
            b.append("records were not checked one by one");
        } else {
            b.append("each record's cost checked (")
                    .append(
                            aggregatedCostCheck == AggregatedCostCheck.CATALOG_MAXIMUM
                                    ? "a number, not negative, not above the model's maximum for its tokens"
                                    : "a number, not negative")
                    .append("): ")
                    .append(n(quarantinedCount()))
                    .append(" quarantined");
            if (quarantinedClaimedUsd.signum() != 0) {
                b.append(" (claiming ").append(Money.usd(quarantinedClaimedUsd)).append(", left out of every total)");
            }
            if (uncheckedRecords > 0) {
                b.append("; ")
                        .append(n(uncheckedRecords))
                        .append(" records of ")
                        .append(n(uncheckedIdentities))
                        .append(" priced models checked for sign and number only (no room in the query)");
            }
            b.append("; damaged objects and unreadable lines not counted");
        }
        if (estimated > 0) {
            b.append("; ").append(n(estimatedCalls())).append(" estimated");
            if (estimatedUsd.signum() != 0) {
                b.append(" (").append(Money.usd(estimatedUsd)).append(" of the total)");
            }
        }
        return b.append('.').toString();
    }

    private long nonNumericCosts() {
        return read == null
                ? 0
                : Optional.ofNullable(read.malformedByField().get("cost_usd")).orElse(0L);
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
