package dev.spendgate.embedded;

import dev.spendgate.domain.budget.BudgetState;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Drops the ledger items of budget periods long over, so that a local ledger does not grow without end (each value
 * under a {@code feature:*} or {@code run:*} budget has its own item per period). An item key reads
 * {@code budget#<type>:<value>#<period>#<period key>[@<zone>][#shard-N]}; it is dropped when nothing is reserved on it and its
 * period ended before the day before yesterday (daily) or before last month (monthly), in UTC: that leaves room for any
 * time zone (at most 14 hours from UTC) and for a call reserved before a period's end that settles after it. Lifetime
 * items, and keys of any other shape, are kept.
 */
final class PastPeriodItems {
    private PastPeriodItems() {}

    /**
     * Removes the past items of {@code items} (each only if unchanged since read), inside {@code change} so that the
     * next flush writes the file without them.
     */
    static void drop(ConcurrentMap<String, BudgetState> items, LocalDate todayUtc, Consumer<BooleanSupplier> change) {
        change.accept(() -> {
            boolean dropped = false;
            for (Map.Entry<String, BudgetState> item : items.entrySet()) {
                if (item.getValue().reserved().signum() == 0
                        && isPast(item.getKey(), todayUtc)
                        && items.remove(item.getKey(), item.getValue())) {
                    dropped = true;
                }
            }
            return dropped;
        });
    }

    /** Whether {@code itemKey} belongs to a daily or monthly period that is over, with the margin above. */
    static boolean isPast(String itemKey, LocalDate todayUtc) {
        if (!itemKey.startsWith("budget#")) {
            return false;
        }
        String key = itemKey;
        int last = key.lastIndexOf('#');
        if (key.startsWith("#shard-", last)) {
            key = key.substring(0, last);
            last = key.lastIndexOf('#');
        }
        int before = last <= 0 ? -1 : key.lastIndexOf('#', last - 1);
        if (before < 0) {
            return false;
        }
        String period = key.substring(before + 1, last);
        String periodKey = key.substring(last + 1);
        int zoned = periodKey.indexOf('@'); // a new zone's period named apart from the old zone's: 2026-12-06@Z
        if (zoned >= 0) {
            periodKey = periodKey.substring(0, zoned);
        }
        try {
            return switch (period) {
                case "daily" -> LocalDate.parse(periodKey).isBefore(todayUtc.minusDays(2));
                case "monthly" ->
                    YearMonth.parse(periodKey).isBefore(YearMonth.from(todayUtc).minusMonths(1));
                default -> false;
            };
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
