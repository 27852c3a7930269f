package dev.spendgate.domain.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/** Money and percentages as people read them in a report: {@code $1,234.57}, {@code +12.5%}. */
public final class Money {
    private Money() {}

    /** Dollars to the cent, with thousands separators. */
    public static String usd(BigDecimal amount) {
        return format(amount.setScale(2, RoundingMode.HALF_UP), "#,##0.00");
    }

    /** Dollars with {@code decimals} places, for unit costs (cost per call, per outcome). */
    public static String usd(BigDecimal amount, int decimals) {
        return format(amount.setScale(decimals, RoundingMode.HALF_UP), "#,##0." + "0".repeat(decimals));
    }

    /** A signed percentage with one decimal, e.g. {@code +12.5%}. */
    public static String signedPercent(BigDecimal percent) {
        String s = percent.setScale(1, RoundingMode.HALF_UP).toPlainString();
        return (percent.signum() > 0 ? "+" : "") + s + "%";
    }

    /** A percentage with one decimal, e.g. {@code 12.5%}. */
    public static String percent(BigDecimal percent) {
        return percent.setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
    }

    /** {@code part} as a percentage of {@code whole}, one decimal; zero when the whole is zero. */
    public static BigDecimal share(BigDecimal part, BigDecimal whole) {
        if (whole.signum() == 0) {
            return BigDecimal.ZERO.setScale(1);
        }
        return part.multiply(BigDecimal.valueOf(100)).divide(whole, 1, RoundingMode.HALF_UP);
    }

    private static String format(BigDecimal scaled, String pattern) {
        DecimalFormat f = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setRoundingMode(RoundingMode.HALF_UP);
        String s = f.format(scaled.abs());
        return (scaled.signum() < 0 ? "-$" : "$") + s;
    }
}
