package dev.spendgate.domain.budget;

/**
 * A ledger write that was applied (the counters moved) but is not durable yet: a store that journals its writes
 * locally could not append the entry (a full disk) and writes it with its next commit that succeeds. The opposite of
 * {@link BudgetWriteNotAppliedException}: the write is counted, so it must not be done again, and whatever it ends
 * (the call's reservation journal entry) is ended.
 */
public class BudgetWriteNotDurableException extends BudgetStoreException {
    public BudgetWriteNotDurableException(String message, Throwable cause) {
        super(message, cause);
    }
}
