package dev.spendgate.domain.report;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.YearMonth;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a month's cells come from: the usage log read in-process (the default), or an Athena query at scale.
 *
 * @see #fromLog(ObjectStore)
 */
public interface MonthlyUsageSource {

    /**
     * The month's cells, plus the cost of the given sessions and requests. A source that reads records one by one
     * also hands each to {@code tap} (so other analyses share the single pass); an aggregating source ignores it.
     */
    MonthlyUsage load(YearMonth month, Set<String> sessions, Set<String> requestIds, Consumer<UsageRecord> tap);

    /**
     * As {@link #load(YearMonth, Set, Set, Consumer)}, with each record's cost checked first: a record {@code check}
     * rejects is counted in the usage's {@link MonthlyUsage#quality() data quality} and reaches neither the figures
     * nor the tap. A pre-aggregated source cannot check records and ignores it.
     */
    default MonthlyUsage load(
            YearMonth month, Set<String> sessions, Set<String> requestIds, Consumer<UsageRecord> tap, CostCheck check) {
        return load(month, sessions, requestIds, tap);
    }

    /** The month's cells, plus the cost of the given sessions and requests. */
    default MonthlyUsage load(YearMonth month, Set<String> sessions, Set<String> requestIds) {
        return load(month, sessions, requestIds, r -> {});
    }

    /** True when {@link #load} hands every record to its tap. */
    default boolean streamsRecords() {
        return false;
    }

    /** Reads every usage record of the month from the store, one object at a time. */
    static MonthlyUsageSource fromLog(ObjectStore store) {
        return new MonthlyUsageSource() {
            @Override
            public MonthlyUsage load(
                    YearMonth month, Set<String> sessions, Set<String> requestIds, Consumer<UsageRecord> tap) {
                return load(month, sessions, requestIds, tap, CostCheck.NONE);
            }

            @Override
            public MonthlyUsage load(
                    YearMonth month,
                    Set<String> sessions,
                    Set<String> requestIds,
                    Consumer<UsageRecord> tap,
                    CostCheck check) {
                MonthlyUsage usage = MonthlyUsage.tracking(month, sessions, requestIds);
                usage.readStats(UsageLogReader.create(store).read(usage.start(), usage.end(), r -> {
                    if (usage.offer(r, check)) {
                        tap.accept(r);
                    }
                }));
                // the previous month's last hours (up to UTC+14), for budgets in a zone east of UTC only: neither in
                // the month's figures nor in its data quality (the previous month's report counts them)
                UsageLogReader.create(store).read(usage.startEastmost(), usage.start(), r -> {
                    if (check.check(r).isEmpty()) {
                        usage.addBefore(r);
                    }
                });
                return usage;
            }

            @Override
            public boolean streamsRecords() {
                return true;
            }
        };
    }
}
