package dev.spendgate.domain.report;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogReader;
import java.time.YearMonth;
import java.util.Set;

/**
 * Where a month's cells come from: the usage log read in-process (the default), or an Athena query at scale.
 *
 * @see #fromLog(ObjectStore)
 */
public interface MonthlyUsageSource {

    /** The month's cells, plus the cost of the given sessions and requests. */
    MonthlyUsage load(YearMonth month, Set<String> sessions, Set<String> requestIds);

    /** Reads every usage record of the month from the store, one object at a time. */
    static MonthlyUsageSource fromLog(ObjectStore store) {
        return (month, sessions, requestIds) -> {
            MonthlyUsage usage = MonthlyUsage.tracking(month, sessions, requestIds);
            UsageLogReader.create(store).read(usage.start(), usage.end(), usage::add);
            return usage;
        };
    }
}
