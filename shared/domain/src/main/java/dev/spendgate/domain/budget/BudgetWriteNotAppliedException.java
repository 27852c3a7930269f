package dev.spendgate.domain.budget;

/**
 * A ledger write that failed and certainly changed nothing (the store refused it, or it never reached the store), as
 * opposed to a failure whose outcome is unknown: a write sent again after the first was applied would count its
 * amount twice. Only after this one may a caller leave the write to be done again.
 */
public class BudgetWriteNotAppliedException extends BudgetStoreException {
    public BudgetWriteNotAppliedException(String message, Throwable cause) {
        super(message, cause);
    }
}
