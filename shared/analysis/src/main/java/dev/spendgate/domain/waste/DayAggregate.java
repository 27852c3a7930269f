package dev.spendgate.domain.waste;

import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One UTC day of the usage log summarised for the waste detectors: per scope (feature and model, key, session, job,
 * prompt), what each detector keeps, never a record per call. Thirty of these give the same findings as one pass over
 * the thirty days' records; money stays {@link BigDecimal}, so merged sums are exact. Stored by {@link DayAggregates}
 * as gzip JSON under {@code aggregates/v1/day=YYYY-MM-DD/waste.json.gz}.
 *
 * @param catalogVersion the pricing catalog the day was priced with; a window with another catalog rebuilds the day
 * @param sourceObjects how many usage objects the day, the hour before it and the next day's hour 00 had when it was
 *     built (days built before that hour 00 counted: the day and the hour before)
 * @param sourceDigest {@code h00+} (absent for days built before the next day's hour 00 counted), SHA-256 of their
 *     keys, then {@code /} and that of their keys and listed sizes (absent for days built before sizes counted, or from
 *     a store that lists none): a late object (a spool replay), or one replaced by another size, makes the aggregate
 *     stale
 */
public record DayAggregate(
        int schemaVersion,
        LocalDate day,
        String catalogVersion,
        int sourceObjects,
        String sourceDigest,
        ReadStats input,
        long calls,
        BigDecimal spendUsd,
        Map<String, BigDecimal> spendByFeature,
        Map<String, BigDecimal> coveredByFeature,
        BigDecimal coveredUsd,
        Map<String, Map<String, BigDecimal>> departmentsByFeature,
        Map<String, Map<String, BigDecimal>> departmentsByKey,
        UnpricedCalls unpriced,
        RetryDetector.DayState retry,
        List<ModelMismatchDetector.GroupState> modelMismatch,
        List<ContextBloatDetector.GroupState> contextBloat,
        List<CacheMissDetector.PartitionState> cacheMiss,
        List<UngovernedKeyDetector.ComboState> ungoverned,
        PromptCacheDetector.DayState promptCache,
        List<BatchTierDetector.JobState> batchTier) {
    /**
     * The aggregate's format; an aggregate of another version is rebuilt from the log. 2: a tally's span is of its
     * wasteful calls (version 1 spanned every call seen), context-bloat groups keyed by feature too, model-mismatch
     * savings at the call's service tier, response-cache hits of fill-only caches (a version-1 day merged with
     * version-2 days would mix the two). 3: records whose cost fails the cost check are left out and counted in the
     * input (a version-2 day summed them into its spend and findings). 4: a retry scope's session and a runaway
     * peak's session are the key's ({@code <key id>/<session>}; a version-3 day merged two keys' sessions of one id).
     * 5: context-bloat groups and unstable-prefix states carry their savings per call at each call's service tier and
     * region ({@link PrefixSavings}; a version-4 day priced them at the standard rates at the end).
     * 6: model-mismatch savings price a cached prefix below the cheaper model's cache minimum as plain input; a call
     * whose output cap the cheaper model cannot answer is not simple; a Bedrock in-region or geographic call's cheaper
     * model is in-region; batch-tier jobs leave out calls that never settled (a worst-case estimate) and hold their
     * savings at the catalog's batch rates (a version-4 job had only its cost, halved), and a job is one run whatever
     * its models (with its calls per model), no longer one per model; retry scopes are per session or key and feature
     * (a version-4 scope held every feature's repeats under its first feature).
     * 7: a retry after a stream cut before its end (a 2xx record with error type {@code upstream_truncated} or
     * {@code client_disconnected}) is not a duplicate of an answered call (a version-6 day counted it redundant).
     * 8: response-cache partitions carry the exact cache's hits and savings (a version-7 day has none, so its findings
     * would claim nothing for an exact fix); model-mismatch groups leave embedding calls out (a version-7 day holds
     * them) and keep the model names their calls asked for (a Bedrock profile's route and degrade chain name it);
     * the day counts its unpriced calls ({@code unpriced}), which its spend holds at $0.
     * 9: a batch-tier job's calls on a model carry the provider they were priced as (a Bedrock batch job needs 100
     * records of one model; a version-8 part has no provider to tell).
     */
    public static final int SCHEMA_VERSION = 9;
    /** A call's place in a day pass is {@code epochDay << POS_BITS | n}: comparable across the days of a window. */
    static final int POS_BITS = 34;

    public DayAggregate {
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(catalogVersion, "catalogVersion");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(spendUsd, "spendUsd");
    }

    /**
     * Per feature and model, the sketch of the day's first system prompt: the prompt the unstable-prefix rule
     * compares with when the window starts on this day. A day built after it keeps its figures as seen from each.
     */
    public Map<String, Long> usualPrompts() {
        return usualPrompts(promptCache.unstable());
    }

    static Map<String, Long> usualPrompts(List<PromptCacheDetector.UnstableState> unstable) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (PromptCacheDetector.UnstableState u : unstable) {
            if (u.usual()) {
                out.put(u.key(), u.sketch());
            }
        }
        return out;
    }

    /** What a stored day is checked by before anything of it is merged: its format, day, catalog and sources. */
    public record Header(
            int schemaVersion,
            LocalDate day,
            String catalogVersion,
            int sourceObjects,
            String sourceDigest,
            ReadStats input) {
        public Header {
            Objects.requireNonNull(day, "day");
            Objects.requireNonNull(catalogVersion, "catalogVersion");
            Objects.requireNonNull(input, "input");
        }
    }

    /** The day's calls and money by feature and owner (as many entries as features and keys, never per call). */
    record Totals(
            long calls,
            BigDecimal spendUsd,
            Map<String, BigDecimal> spendByFeature,
            Map<String, BigDecimal> coveredByFeature,
            BigDecimal coveredUsd,
            Map<String, Map<String, BigDecimal>> departmentsByFeature,
            Map<String, Map<String, BigDecimal>> departmentsByKey,
            UnpricedCalls unpriced) {
        Totals {
            Objects.requireNonNull(spendUsd, "spendUsd");
            Objects.requireNonNull(spendByFeature, "spendByFeature");
            Objects.requireNonNull(coveredByFeature, "coveredByFeature");
            Objects.requireNonNull(coveredUsd, "coveredUsd");
            Objects.requireNonNull(departmentsByFeature, "departmentsByFeature");
            Objects.requireNonNull(departmentsByKey, "departmentsByKey");
        }
    }

    public Header header() {
        return new Header(schemaVersion, day, catalogVersion, sourceObjects, sourceDigest, input);
    }

    /** Hands this day to {@code sections} part by part, in the order {@link DaySections} asks for. */
    void feed(DaySections sections) {
        sections.totals(new Totals(
                calls,
                spendUsd,
                spendByFeature,
                coveredByFeature,
                coveredUsd,
                departmentsByFeature,
                departmentsByKey,
                unpriced == null ? UnpricedCalls.NONE : unpriced));
        retry.scopes().forEach(sections::retryScope);
        retry.orphanPeaks().forEach(sections::retryOrphanPeak);
        modelMismatch.forEach(sections::modelMismatch);
        contextBloat.forEach(sections::contextBloat);
        cacheMiss.forEach(sections::cacheMiss);
        ungoverned.forEach(sections::ungoverned);
        promptCache.heads().forEach(sections::promptHead);
        promptCache.unread().forEach(sections::promptUnread);
        promptCache.prompts().forEach(sections::prompt);
        batchTier.forEach(sections::batchJob);
        sections.end(promptCache.unstable(), promptCache.headsDropped());
    }

    /** This aggregate, recording the usage objects it was built from. */
    public DayAggregate withSources(int objects, String digest) {
        return new DayAggregate(
                schemaVersion,
                day,
                catalogVersion,
                objects,
                digest,
                input,
                calls,
                spendUsd,
                spendByFeature,
                coveredByFeature,
                coveredUsd,
                departmentsByFeature,
                departmentsByKey,
                unpriced,
                retry,
                modelMismatch,
                contextBloat,
                cacheMiss,
                ungoverned,
                promptCache,
                batchTier);
    }
}
