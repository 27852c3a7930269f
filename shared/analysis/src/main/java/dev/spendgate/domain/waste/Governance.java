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
 * @param admin where keys and budgets are managed, which the findings' commands follow: the CLI (a local data
 *     directory) unless {@link #deployed()} says the admin API
 */
public record Governance(List<ProxyKey> keys, List<BudgetPolicy> policies, boolean known, KeyAdmin admin) {
    /** No keys and no budgets at all. */
    public static final Governance NONE = new Governance(List.of(), List.of());
    /** Keys and budgets could not be read. */
    public static final Governance UNKNOWN = new Governance(List.of(), List.of(), false);

    private static final Set<String> PRODUCTION = Set.of("prod", "production", "prd", "live");

    public Governance {
        keys = List.copyOf(keys);
        policies = List.copyOf(policies);
        admin = admin == null ? KeyAdmin.CLI : admin;
    }

    public Governance(List<ProxyKey> keys, List<BudgetPolicy> policies, boolean known) {
        this(keys, policies, known, KeyAdmin.CLI);
    }

    public Governance(List<ProxyKey> keys, List<BudgetPolicy> policies) {
        this(keys, policies, true);
    }

    /**
     * The same, for a deployment in AWS: its keys and budgets are in tables the CLI does not reach, so the findings
     * advise the admin API ({@code POST /admin/keys}, {@code PUT /admin/budgets}).
     */
    public Governance deployed() {
        return new Governance(keys, policies, known, KeyAdmin.ADMIN_API);
    }

    /** {@code prod}, {@code production}, {@code prd} and {@code live}, in any case. */
    public static boolean isProduction(String environment) {
        return environment != null && PRODUCTION.contains(environment.toLowerCase(Locale.ROOT));
    }
}
