package dev.spendgate.domain.waste;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.keys.ProxyKey;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What is known about keys and budgets when the usage is analysed (from the KeyStore and BudgetPolicyStore). */
public record Governance(List<ProxyKey> keys, List<BudgetPolicy> policies) {
    public static final Governance NONE = new Governance(List.of(), List.of());
    private static final Set<String> PRODUCTION = Set.of("prod", "production", "prd", "live");

    public Governance {
        keys = List.copyOf(keys);
        policies = List.copyOf(policies);
    }

    /** {@code prod}, {@code production}, {@code prd} and {@code live}, in any case. */
    public static boolean isProduction(String environment) {
        return environment != null && PRODUCTION.contains(environment.toLowerCase(Locale.ROOT));
    }
}
