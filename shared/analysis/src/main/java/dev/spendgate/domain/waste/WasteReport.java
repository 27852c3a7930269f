package dev.spendgate.domain.waste;

import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What one waste run found.
 *
 * @param findings every finding, ranked: the advisor order (monthly savings, then spend at risk, descending)
 * @param features efficiency score per feature, lowest score first
 * @param settings one recommended value per gateway setting and scope, from the findings that advise it
 * @param unpriced the calls counted at $0 because they have no price: their spend is in no figure of the report
 */
public record WasteReport(
        Instant generatedAt,
        WasteWindow window,
        ReadStats input,
        long callsAnalysed,
        BigDecimal spendUsd,
        List<Finding> findings,
        EfficiencyScore overall,
        List<EfficiencyScore> features,
        List<RecommendedSetting> settings,
        UnpricedCalls unpriced) {

    public WasteReport {
        findings = List.copyOf(findings);
        features = List.copyOf(features);
        settings = settings == null ? List.of() : List.copyOf(settings);
        unpriced = unpriced == null ? UnpricedCalls.NONE : unpriced;
    }

    /** A report without a count of unpriced calls. */
    public WasteReport(
            Instant generatedAt,
            WasteWindow window,
            ReadStats input,
            long callsAnalysed,
            BigDecimal spendUsd,
            List<Finding> findings,
            EfficiencyScore overall,
            List<EfficiencyScore> features,
            List<RecommendedSetting> settings) {
        this(generatedAt, window, input, callsAnalysed, spendUsd, findings, overall, features, settings, null);
    }

    /** A report without recommended settings. */
    public WasteReport(
            Instant generatedAt,
            WasteWindow window,
            ReadStats input,
            long callsAnalysed,
            BigDecimal spendUsd,
            List<Finding> findings,
            EfficiencyScore overall,
            List<EfficiencyScore> features) {
        this(generatedAt, window, input, callsAnalysed, spendUsd, findings, overall, features, List.of(), null);
    }

    /**
     * What all the findings together would save per month (cache misses: the cache the fix sets up), each call's cost counted at most
     * once: the overall waste ({@link EfficiencyScore#wasteUsd()}, see {@link RecoverableTotal}) scaled to a month.
     * Less than the findings' own figures added up when several findings name the same calls.
     */
    public BigDecimal monthlySavingsUsd() {
        return window.monthly(overall.wasteUsd());
    }

    /** The findings' own monthly savings added up: counts a call once per finding that names it. */
    public BigDecimal findingsMonthlySavingsSummedUsd() {
        return findings.stream().map(Finding::monthlySavingsUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** Warnings about skipped input: damaged objects and unreadable lines. */
    public long skippedInput() {
        return input.malformedLines() + input.unreadableObjects();
    }
}
