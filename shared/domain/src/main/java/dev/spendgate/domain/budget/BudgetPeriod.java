package dev.spendgate.domain.budget;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/** How long a budget's spend accumulates before it starts again: a calendar month or day in a time zone, or never. */
public enum BudgetPeriod {
    MONTHLY,
    DAILY,
    LIFETIME;

    /** The period {@code now} falls in, e.g. {@code 2026-11}, {@code 2026-11-28}, {@code lifetime}. */
    public String key(Instant now, ZoneId zone) {
        LocalDate day = LocalDate.ofInstant(now, zone);
        return switch (this) {
            case MONTHLY -> month(day.getYear(), day.getMonthValue());
            case DAILY -> day(day);
            case LIFETIME -> "lifetime";
        };
    }

    /** {@link LocalDate#toString()} without a {@code StringBuilder}: this runs for each daily budget of a call. */
    private static String day(LocalDate day) {
        int year = day.getYear();
        if (year < 0 || year > 9999) {
            return day.toString();
        }
        int month = day.getMonthValue();
        int dayOfMonth = day.getDayOfMonth();
        char[] text = {
            (char) ('0' + year / 1000),
            (char) ('0' + year / 100 % 10),
            (char) ('0' + year / 10 % 10),
            (char) ('0' + year % 10),
            '-',
            (char) ('0' + month / 10),
            (char) ('0' + month % 10),
            '-',
            (char) ('0' + dayOfMonth / 10),
            (char) ('0' + dayOfMonth % 10)
        };
        return new String(text);
    }

    /** {@code %04d-%02d} without a {@code Formatter}: this runs several times per call on the request path. */
    private static String month(int year, int month) {
        if (year < 0 || year > 9999) {
            return String.format(Locale.ROOT, "%04d-%02d", year, month);
        }
        char[] text = {
            (char) ('0' + year / 1000),
            (char) ('0' + year / 100 % 10),
            (char) ('0' + year / 10 % 10),
            (char) ('0' + year % 10),
            '-',
            (char) ('0' + month / 10),
            (char) ('0' + month % 10)
        };
        return new String(text);
    }

    /** When the current period ends, or null for a lifetime budget. */
    public Instant end(Instant now, ZoneId zone) {
        ZonedDateTime local = now.atZone(zone);
        return switch (this) {
            case MONTHLY ->
                local.toLocalDate()
                        .withDayOfMonth(1)
                        .plusMonths(1)
                        .atStartOfDay(zone)
                        .toInstant();
            case DAILY -> local.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
            case LIFETIME -> null;
        };
    }

    /** When the current period started, or null for a lifetime budget. */
    public Instant start(Instant now, ZoneId zone) {
        ZonedDateTime local = now.atZone(zone);
        return switch (this) {
            case MONTHLY ->
                local.toLocalDate().withDayOfMonth(1).atStartOfDay(zone).toInstant();
            case DAILY -> local.toLocalDate().atStartOfDay(zone).toInstant();
            case LIFETIME -> null;
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BudgetPeriod parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown period '" + text + "'; use monthly, daily or lifetime");
        }
    }
}
