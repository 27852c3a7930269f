package dev.spendgate.domain.budget;

import java.util.List;
import java.util.Optional;

/** Where budget policies live; one policy per scope and period ({@link BudgetPolicy#id()}). */
public interface BudgetPolicyStore {

    /** Creates or replaces the policy with the same id. */
    void put(BudgetPolicy policy);

    Optional<BudgetPolicy> find(String id);

    /** Every policy, ordered by id. */
    List<BudgetPolicy> list();

    /** Removes the policy; false when there was none. */
    boolean delete(String id);
}
