package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.report.FocusCharge;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * AWS KMS's monthly fee for the customer managed keys the stack creates, whatever the calls: {@link #STACK_KEYS} (the
 * {@code AlertsKey} the alert topic is encrypted under, with automatic rotation). A key is $1 a month, prorated by the
 * hour; each of its first two automatic (yearly) rotations adds $1 a month more, which is not priced: the report does
 * not know the key's age, so from its first rotation on the rows are low by $1 a month, from its second by $2. Its API
 * requests (the topic's data keys) are within KMS's 20,000 free requests a month and not priced either. Per day as
 * {@link SecretsFee}: the month's fee divided by its days.
 *
 * @param keys how many customer managed keys the stack created (0 or more)
 */
public record KmsKeyFee(int keys) {
    /** The keys the stack creates: {@code AlertsKey}. */
    public static final int STACK_KEYS = 1;
    /** What AWS bills it under (FOCUS ServiceName). */
    public static final String SERVICE = "AWS Key Management Service";

    public KmsKeyFee {
        if (keys < 0) {
            throw new IllegalArgumentException("keys must be 0 or more, was " + keys);
        }
    }

    /** The fee of one day of {@code month}, USD. */
    public BigDecimal perDay(AwsPrices prices, YearMonth month) {
        return prices.kmsKeyPerMonth()
                .multiply(BigDecimal.valueOf(keys))
                .divide(BigDecimal.valueOf(month.lengthOfMonth()), new MathContext(20, RoundingMode.HALF_EVEN));
    }

    /** One row a day from {@code first} to {@code last}, as {@link SecretsFee#rows}. */
    List<FocusCharge> rows(LocalDate first, LocalDate last, AwsPrices prices) {
        List<FocusCharge> rows = new ArrayList<>();
        if (keys == 0) {
            return rows;
        }
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            YearMonth month = YearMonth.from(d);
            rows.add(GatewayCostRows.row(
                    d,
                    SERVICE,
                    perDay(prices, month),
                    GatewayCostRows.COST_SOURCE + ": estimated, not billed: Spendgate's own " + SERVICE
                            + " storage of the " + keys + " customer managed " + (keys == 1 ? "key" : "keys")
                            + " the stack creates, $" + prices.kmsKeyPerMonth().toPlainString()
                            + " a key and month before its rotations ($1 a month more after each of its first two"
                            + " yearly rotations, not counted), 1/" + month.lengthOfMonth() + " of " + month
                            + " a day, at list price " + prices.region() + " " + prices.asOf()));
        }
        return rows;
    }

    /** In words, for the basis. */
    String basis(AwsPrices prices) {
        return keys + " KMS " + (keys == 1 ? "key" : "keys") + " the stack creates at $"
                + prices.kmsKeyPerMonth().toPlainString()
                + " a month each (its rotations' $1 a month each not counted)";
    }
}
