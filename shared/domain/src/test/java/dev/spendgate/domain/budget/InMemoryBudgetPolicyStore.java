package dev.spendgate.domain.budget;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link BudgetPolicyStore} in memory, ordered by id (checked by {@code BudgetPolicyStoreContract}). */
public final class InMemoryBudgetPolicyStore implements BudgetPolicyStore {
    private final ConcurrentSkipListMap<String, BudgetPolicy> policies = new ConcurrentSkipListMap<>();

    public static InMemoryBudgetPolicyStore of(BudgetPolicy... policies) {
        InMemoryBudgetPolicyStore store = new InMemoryBudgetPolicyStore();
        for (BudgetPolicy p : policies) {
            store.put(p);
        }
        return store;
    }

    @Override
    public void put(BudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        policies.put(policy.id(), policy);
    }

    @Override
    public Optional<BudgetPolicy> find(String id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(policies.get(id));
    }

    @Override
    public List<BudgetPolicy> list() {
        return List.copyOf(policies.values());
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        return policies.remove(id) != null;
    }
}
