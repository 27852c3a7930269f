package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The analysed window {@code [from, to)} and how its figures scale to a month: monthly = window figure x 30 days /
 * window length, rounded to a millionth of a dollar.
 */
public record WasteWindow(Instant from, Instant to) {
    static final long MONTH_SECONDS = Duration.ofDays(30).toSeconds();

    public WasteWindow {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
    }

    /** The 30 days before {@code end}. */
    public static WasteWindow trailing30Days(Instant end) {
        return new WasteWindow(end.minus(Duration.ofDays(30)), end);
    }

    public Duration length() {
        return Duration.between(from, to);
    }

    /** {@code usd} over this window, scaled to 30 days (six decimals). */
    public BigDecimal monthly(BigDecimal usd) {
        return usd.multiply(BigDecimal.valueOf(MONTH_SECONDS * 1000))
                .divide(BigDecimal.valueOf(length().toMillis()), 6, RoundingMode.HALF_UP);
    }
}
