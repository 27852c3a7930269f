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

    /** A page answering the Apply button: its status and body. */
    record Applied(int status, String body) {}

    /**
     * The Apply step for a finding with a ready policy change: without {@code confirm}, what the change is and what the
     * policy simulator says it would have saved (a dry run), with a form to confirm; with it, the change written and
     * recorded as applied by {@code by} now. Pages that cannot apply (the deployed gateway's stored findings) say
     * where to apply instead.
     *
     * @param share for a routing rule, the share of matching calls to move (null: all)
     */
    default Applied apply(String findingId, java.math.BigDecimal share, String by, boolean confirm) {
        return new Applied(
                404,
                "<section class=\"card\"><h2>Apply is not available here</h2><p>This gateway shows the findings the"
                        + " daily run stored; apply a finding with <code>./spendgate advisor apply FINDING_ID</code>"
                        + " against its data, or the admin API's <code>PUT /admin/policy</code>.</p></section>");
    }

    /** What a findings page may read: the gateway's own stores. */
    record Sources(ObjectStore store, KeyStore keys, BudgetPolicyStore policies, PricingCatalog pricing, Clock clock) {}
}
