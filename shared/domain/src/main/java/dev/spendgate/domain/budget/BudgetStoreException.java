package dev.spendgate.domain.budget;

/** The budget store could not be reached or refused an update. */
public class BudgetStoreException extends RuntimeException {
    public BudgetStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
