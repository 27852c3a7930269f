package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.report.Chargeback;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Amounts a board line adds up, as shown: the total is their exact sum rounded half-up to the cent once (as the FOCUS
 * file, {@code manifest.json} and {@code chargeback.csv} total it), and each part is rounded so that the parts shown
 * add up to that total (largest remainder, as {@code chargeback.csv} rounds). Rounding each part first and adding the
 * rounded parts could be a cent off the files' total.
 *
 * @param parts each amount to the cent, in the order given
 * @param total their exact sum to the cent
 */
public record BoardAmounts(List<BigDecimal> parts, BigDecimal total) {
    public BoardAmounts {
        parts = List.copyOf(parts);
    }

    /** The amounts (exact) as shown. */
    public static BoardAmounts of(List<BigDecimal> exact) {
        BigDecimal sum = exact.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal total = sum.setScale(2, RoundingMode.HALF_UP);
        return new BoardAmounts(Chargeback.largestRemainder(exact, total), total);
    }
}
