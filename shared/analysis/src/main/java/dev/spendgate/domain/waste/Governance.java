package dev.spendgate.domain.waste;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.keys.ProxyKey;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What is known about keys and budgets when the usage is analysed (from the KeyStore and BudgetPolicyStore).
 *
 * @param known false when the key and budget stores were not available: the rules that need them ({@code no_budget},
 *     the environment rules) are then skipped instead of flagging every call
 */
public record Governance(List<ProxyKey> keys, List<BudgetPolicy> policies, boolean known) {
    /** No keys and no budgets at all. */
    public static final Governance NONE = new Governance(List.of(), List.of());
    /** Keys and budgets could not be read. */
    public static final Governance UNKNOWN = new Governance(List.of(), List.of(), false);

    private static final Set<String> PRODUCTION = Set.of("prod", "production", "prd", "live");

    public Governance {
        keys = List.copyOf(keys);
        policies = List.copyOf(policies);
    }

    public Governance(List<ProxyKey> keys, List<BudgetPolicy> policies) {
        this(keys, policies, true);
    }

    /** {@code prod}, {@code production}, {@code prd} and {@code live}, in any case. */
    public static boolean isProduction(String environment) {
        return environment != null && PRODUCTION.contains(environment.toLowerCase(Locale.ROOT));
    }
}
