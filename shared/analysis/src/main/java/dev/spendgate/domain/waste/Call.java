package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;

/** One usage record with what every detector asks of it worked out once. */
final class Call {
    static final String UNATTRIBUTED = Finding.UNATTRIBUTED;

    UsageRecord record;
    /** The catalog entry of the priced model, or null when unpriced. */
    ModelPrice price;
    /** The catalog's model id (aliases and dated snapshots resolved), else the raw model. */
    String model;
    /** The record's cost, zero when unpriced or not billable. */
    BigDecimal cost;
    /** 2xx and billed. */
    boolean ok;

    String feature;
    /** The retry detector found this call redundant; other detectors leave it to that finding. */
    boolean redundantRetry;
    /**
     * The call's place in the pass: comparable across the day passes of one window (see {@link DayAggregate}), so
     * evidence merged from several days keeps the order one pass over the window would give.
     */
    long pos;
    /**
     * A call of the hour before a day pass: it only primes the detectors that look back in time (retry chains, the
     * response-cache index) and is never counted.
     */
    boolean warmUp;

    boolean billed() {
        return cost.signum() > 0;
    }

    static boolean success(UsageRecord r) {
        return r.statusCode() >= 200 && r.statusCode() < 300;
    }

    /**
     * Error types of a 2xx record whose stream was cut before its end: the provider's stream broke
     * ({@code upstream_truncated}) or the client stopped reading ({@code client_disconnected}). The client saw an error,
     * not an answer (README "Cut streams"), so the call answered nothing a retry could reuse.
     */
    static final java.util.Set<String> CUT_STREAM = java.util.Set.of("upstream_truncated", "client_disconnected");

    /** 2xx and not a stream cut before its end: the client got an answer. */
    static boolean answered(UsageRecord r) {
        return success(r) && (r.errorType() == null || !CUT_STREAM.contains(r.errorType()));
    }

    static BigDecimal costOf(UsageRecord r) {
        return r.costUsd() == null ? BigDecimal.ZERO : r.costUsd();
    }
}
