package dev.spendgate.testing.contract;

import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.InMemoryBudgetLedger;

/** The in-memory fake that domain tests use keeps the same contract as the real adapters. */
class InMemoryBudgetLedgerTest extends BudgetLedgerContract {
    private InMemoryBudgetLedger current;

    @Override
    protected BudgetLedger newLedger() {
        current = InMemoryBudgetLedger.create();
        return current;
    }

    @Override
    protected BudgetLedger reopenLedger() {
        return current; // the same memory: what a reopened file or table would hold
    }
}
