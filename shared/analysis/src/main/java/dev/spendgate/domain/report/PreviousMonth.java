package dev.spendgate.domain.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The month before a report's month as the usage log holds it: its exact spend, and its spend per UTC day when known
 * (a running month is compared with the same days of it).
 *
 * @param byDay spend per UTC day; null when only the total is known
 */
public record PreviousMonth(YearMonth month, BigDecimal totalUsd, Map<LocalDate, BigDecimal> byDay) {

    public PreviousMonth {
        Objects.requireNonNull(month, "month");
        Objects.requireNonNull(totalUsd, "totalUsd");
        byDay = byDay == null ? null : Map.copyOf(byDay);
    }

    /** The month's spend as {@code usage} holds it, day by day. */
    public static PreviousMonth of(MonthlyUsage usage) {
        Map<LocalDate, BigDecimal> byDay = new TreeMap<>();
        usage.cells().forEach((k, t) -> byDay.merge(k.day(), t.costUsd(), BigDecimal::add));
        return new PreviousMonth(usage.month(), usage.totalCostUsd(), byDay);
    }

    /** Only the total is known (no comparison of the same days). */
    public static PreviousMonth total(YearMonth month, BigDecimal totalUsd) {
        return new PreviousMonth(month, totalUsd, null);
    }

    /**
     * The first UTC day with usage when it is after the 1st: the log holds only part of the month (the first month of
     * use), so a change against its total is no month-over-month change. Empty when the month has usage from its 1st,
     * none at all, or its days are not known.
     */
    public Optional<LocalDate> partialFrom() {
        if (byDay == null) {
            return Optional.empty();
        }
        return byDay.keySet().stream().min(LocalDate::compareTo).filter(d -> d.getDayOfMonth() > 1);
    }

    /** Spend of its days 1 to {@code days} (capped at its length); null when the days are not known. */
    public BigDecimal firstDaysUsd(int days) {
        if (byDay == null) {
            return null;
        }
        LocalDate last = month.atDay(Math.min(days, month.lengthOfMonth()));
        return byDay.entrySet().stream()
                .filter(e -> !e.getKey().isAfter(last))
                .map(Map.Entry::getValue)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
