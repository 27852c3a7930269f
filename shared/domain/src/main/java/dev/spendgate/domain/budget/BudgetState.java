package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Counters of one budget item: {@code spent} (settled), {@code reserved} (open reservations) and
 * {@code committed} (their sum, the figure the atomic check compares with the limit).
 */
public record BudgetState(BigDecimal spent, BigDecimal reserved, BigDecimal committed) {
    public static final BudgetState EMPTY = new BudgetState(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

    public BudgetState {
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(committed, "committed");
    }

    /** What is left under {@code limit}; negative when settled spend overshot it. */
    public BigDecimal remaining(BigDecimal limit) {
        return limit.subtract(committed);
    }
}
