package dev.spendgate.domain.gatewaycost;

import dev.spendgate.domain.usage.UsageRecord;

/**
 * What a set of usage records (a day's) says the gateway did in AWS, for {@link GatewayCostModel} to price record by
 * record rather than as calls of one fixed profile: the proxy invocations and how long they ran ({@code latency_ms}),
 * and the batch result lines ({@code batch_id}), which the batch results fetch or sweep records without an API
 * Gateway request, a Lambda invocation or a budget write each: only their usage record is delivered. Response-cache
 * hits ({@code cache: hit}) are invocations that touch no budget: no reservation, journal or settlement writes, only
 * the answer's read; their recorded length, even 0 ms, is what they ran. A miss whose successful, priced answer was
 * kept fills the cache: {@link CallProfile#cacheFillWriteUnits} more writes.
 * Records without a recorded length ({@code latency_ms} 0, as written by the sweeper for a call that never settled)
 * are priced at the profile's assumed duration, and counted apart ({@link #untimedInvocations}).
 *
 * <p>Sums, filled one record at a time ({@link #add(UsageRecord)}) or from pre-aggregated figures ({@link #of}).
 */
public final class GatewayWork {
    private long invocations;
    private long batchLines;
    private long cacheHits;
    private long cacheLookups;
    private long cacheFills;
    private long cacheFillWriteUnits;
    private long timedInvocations;
    private long timedMillis;

    public GatewayWork() {}

    /** {@code calls} proxied calls of which nothing but their number is known (priced at the assumed duration). */
    public static GatewayWork ofCalls(long calls) {
        return of(calls, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Pre-aggregated figures (an Athena result row).
     *
     * @param invocations records that ran a proxy invocation
     * @param timedInvocations of them, those with a recorded length
     * @param timedMillis the sum of those lengths ({@code latency_ms})
     * @param batchLines records of batch results ({@code batch_id}): a usage record each, no invocation
     * @param cacheHits invocations answered from the response cache
     * @param cacheLookups invocations that looked the response cache up ({@code cache} hit or miss)
     * @param cacheFills misses whose answer was kept
     * @param cacheFillWriteUnits their write units ({@link CallProfile#cacheFillWriteUnits}), summed
     */
    public static GatewayWork of(
            long invocations,
            long timedInvocations,
            long timedMillis,
            long batchLines,
            long cacheHits,
            long cacheLookups,
            long cacheFills,
            long cacheFillWriteUnits) {
        if (invocations < 0
                || timedInvocations < 0
                || timedMillis < 0
                || batchLines < 0
                || cacheHits < 0
                || cacheFills < 0
                || cacheFillWriteUnits < 0
                || cacheFills > cacheLookups - cacheHits
                || timedInvocations > invocations
                || cacheHits > cacheLookups
                || cacheLookups > invocations) {
            throw new IllegalArgumentException("counts must be 0 or more, timed invocations and cache look-ups at most"
                    + " the invocations, hits at most the look-ups");
        }
        GatewayWork w = new GatewayWork();
        w.cacheHits = cacheHits;
        w.cacheLookups = cacheLookups;
        w.cacheFills = cacheFills;
        w.cacheFillWriteUnits = cacheFillWriteUnits;
        w.invocations = invocations;
        w.batchLines = batchLines;
        w.timedInvocations = timedInvocations;
        w.timedMillis = timedMillis;
        return w;
    }

    /** The sum of {@code days}. */
    public static GatewayWork summed(java.util.Collection<GatewayWork> days) {
        GatewayWork all = new GatewayWork();
        days.forEach(all::add);
        return all;
    }

    /** Counts what one record's call did. */
    public void add(UsageRecord r) {
        if (r.billing().batchId() != null) {
            batchLines++;
            return;
        }
        invocations++;
        String cache = r.optimization().cache();
        boolean hit = "hit".equals(cache);
        if (hit || "miss".equals(cache)) {
            cacheLookups++;
        }
        if (hit) {
            cacheHits++;
        }
        if (fills(r)) {
            cacheFills++;
            cacheFillWriteUnits += CallProfile.cacheFillWriteUnits(r.tokens().outputTokens());
        }
        if (r.latencyMs() > 0 || hit) {
            timedInvocations++;
            timedMillis += r.latencyMs();
        }
    }

    /** A miss whose answer the proxy keeps: successful and priced ({@code CacheFill}). */
    private static boolean fills(UsageRecord r) {
        return "miss".equals(r.optimization().cache())
                && r.statusCode() >= 200
                && r.statusCode() < 300
                && r.costUsd() != null
                && r.errorType() == null;
    }

    public void add(GatewayWork other) {
        invocations += other.invocations;
        batchLines += other.batchLines;
        cacheHits += other.cacheHits;
        cacheLookups += other.cacheLookups;
        cacheFills += other.cacheFills;
        cacheFillWriteUnits += other.cacheFillWriteUnits;
        timedInvocations += other.timedInvocations;
        timedMillis += other.timedMillis;
    }

    /** Records that ran a proxy invocation: one API Gateway request and one Lambda request each. */
    public long invocations() {
        return invocations;
    }

    /** Invocations whose record gives the call's length. */
    public long timedInvocations() {
        return timedInvocations;
    }

    /** Invocations priced at the assumed duration: their record gives no length. */
    public long untimedInvocations() {
        return invocations - timedInvocations;
    }

    /** The recorded lengths of {@link #timedInvocations}, summed, in milliseconds. */
    public long timedMillis() {
        return timedMillis;
    }

    /** Records of batch results: delivered, without an invocation of their own. */
    public long batchLines() {
        return batchLines;
    }

    /** Invocations answered from the response cache: no budget touched. */
    public long cacheHits() {
        return cacheHits;
    }

    /** Invocations that looked an answer up in the response cache (hits and misses): one read each. */
    public long cacheLookups() {
        return cacheLookups;
    }

    /** Misses whose answer was kept in the response cache. */
    public long cacheFills() {
        return cacheFills;
    }

    /** DynamoDB write units of the {@link #cacheFills}. */
    public long cacheFillWriteUnits() {
        return cacheFillWriteUnits;
    }

    /** Invocations that ran the budgets (every invocation but the cache hits). */
    public long budgetedInvocations() {
        return invocations - cacheHits;
    }

    /** Every record counted: each one delivered to the usage log. */
    public long records() {
        return invocations + batchLines;
    }

    /**
     * The counts by name, as {@code data-quality.json} shows them: {@code invocations}, {@code with_recorded_length},
     * {@code at_assumed_duration}, {@code batch_result_lines}, {@code cache_hits} and {@code cache_fills}.
     */
    public java.util.Map<String, Long> summary() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("invocations", invocations);
        m.put("with_recorded_length", timedInvocations);
        m.put("at_assumed_duration", untimedInvocations());
        m.put("batch_result_lines", batchLines);
        m.put("cache_hits", cacheHits);
        m.put("cache_fills", cacheFills);
        return m;
    }
}
