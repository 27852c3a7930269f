package dev.spendgate.function.proxy.console;

import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import java.time.Clock;

/**
 * The body of the findings page. The waste analysis lives in the analysis module, which the proxy jar must not carry
 * (issue 19), so the gateway shows the stored findings document by default ({@link StoredFindingsPage}) and the
 * local server, which runs from the CLI, plugs in the live analysis.
 */
public interface FindingsPage {
    String render();

    /** What a findings page may read: the gateway's own stores. */
    record Sources(ObjectStore store, KeyStore keys, BudgetPolicyStore policies, PricingCatalog pricing, Clock clock) {}
}
