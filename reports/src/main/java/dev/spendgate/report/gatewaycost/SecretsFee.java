package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.report.FocusCharge;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * Secrets Manager's monthly fee for the secrets the stack creates, whatever the calls: {@link #STACK_SECRETS} by
 * default (the provider keys the proxy reads, {@code ProviderKeys}, and the reconciliation job's admin keys,
 * {@code AdminKeys}); a secret given to the stack by ARN is the operator's own and not counted. A whole month is the
 * list price per secret whatever its length, so each day gets the month's price divided by its days (AWS prorates a
 * part month by the hours the secret is stored; the rows are per day). Priced on every day from the month's first day
 * with calls to its last, and once the month has ended to its last day, as the managed-instances fleet is: the days
 * the report sees the gateway deployed.
 *
 * @param secrets how many secrets the stack created (0 or more)
 */
public record SecretsFee(int secrets) {
    /** The secrets the stack creates by default: {@code ProviderKeys} and {@code AdminKeys}. */
    public static final int STACK_SECRETS = 2;

    public SecretsFee {
        if (secrets < 0) {
            throw new IllegalArgumentException("secrets must be 0 or more, was " + secrets);
        }
    }

    /** The fee of one day of {@code month}, USD. */
    public BigDecimal perDay(AwsPrices prices, YearMonth month) {
        return prices.secretsManagerSecretPerMonth()
                .multiply(BigDecimal.valueOf(secrets))
                .divide(BigDecimal.valueOf(month.lengthOfMonth()), new MathContext(20, RoundingMode.HALF_EVEN));
    }

    /** One row a day from {@code first} to {@code last} ({@link GatewayCostRows} says which days). */
    List<FocusCharge> rows(LocalDate first, LocalDate last, AwsPrices prices) {
        List<FocusCharge> rows = new ArrayList<>();
        if (secrets == 0) {
            return rows;
        }
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            YearMonth month = YearMonth.from(d);
            rows.add(GatewayCostRows.row(
                    d,
                    AwsService.SECRETS_MANAGER.billedName(),
                    perDay(prices, month),
                    GatewayCostRows.COST_SOURCE + ": estimated, not billed: Spendgate's own "
                            + AwsService.SECRETS_MANAGER.billedName() + " storage of the " + secrets
                            + (secrets == 1 ? " secret" : " secrets") + " the stack creates, $"
                            + prices.secretsManagerSecretPerMonth().toPlainString() + " a secret and month, 1/"
                            + month.lengthOfMonth() + " of " + month + " a day, at list price " + prices.region() + " "
                            + prices.asOf()));
        }
        return rows;
    }

    /** In words, for the basis. */
    String basis(AwsPrices prices) {
        return secrets + (secrets == 1 ? " secret" : " secrets") + " the stack creates at $"
                + prices.secretsManagerSecretPerMonth().toPlainString()
                + " a month each, every day from the month's first day with calls to its last, or to the month's end once"
                + " it has ended (every day of an ended month without calls)";
    }
}
