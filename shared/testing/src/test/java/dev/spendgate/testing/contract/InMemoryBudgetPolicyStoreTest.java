package dev.spendgate.testing.contract;

import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.InMemoryBudgetPolicyStore;

/** The in-memory fake that domain tests use keeps the same contract as the real adapters. */
class InMemoryBudgetPolicyStoreTest extends BudgetPolicyStoreContract {
    private InMemoryBudgetPolicyStore current;

    @Override
    protected BudgetPolicyStore newStore() {
        current = new InMemoryBudgetPolicyStore();
        return current;
    }

    @Override
    protected BudgetPolicyStore reopenStore() {
        return current; // the same memory: what a reopened file or table would hold
    }
}
