package dev.spendgate.domain.simulate;

import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Hands on the records of a usage-log read in {@code ts_start} order, one hour at a time. The log is read hour by
 * hour, but within an hour its objects come from several writers, and the reader holds worst-case records back to the
 * end of their hour; a replay that admits calls against budgets and breakers needs them in the order they ran. Holds
 * one hour's records; {@link #flush()} after the read hands on the last hour.
 */
public final class HourlyTimeOrder implements Consumer<UsageRecord> {
    private final Consumer<UsageRecord> sink;
    private final List<UsageRecord> held = new ArrayList<>();
    private Instant hour;

    private HourlyTimeOrder(Consumer<UsageRecord> sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public static HourlyTimeOrder to(Consumer<UsageRecord> sink) {
        return new HourlyTimeOrder(sink);
    }

    @Override
    public void accept(UsageRecord r) {
        Instant h = r.tsStart().truncatedTo(ChronoUnit.HOURS);
        if (hour == null || h.isAfter(hour)) {
            flush();
            hour = h;
        }
        held.add(r);
    }

    /** Hands on the records held, in {@code ts_start} order (the log's order among equal starts). */
    public void flush() {
        held.sort(Comparator.comparing(UsageRecord::tsStart));
        held.forEach(sink);
        held.clear();
    }
}
