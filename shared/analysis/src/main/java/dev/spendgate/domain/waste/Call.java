package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;

/** One usage record with what every detector asks of it worked out once. */
final class Call {
    static final String UNATTRIBUTED = "(unattributed)";

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

    static BigDecimal costOf(UsageRecord r) {
        return r.costUsd() == null ? BigDecimal.ZERO : r.costUsd();
    }
}
