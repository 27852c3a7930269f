package dev.spendgate.domain.waste;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.keys.ProxyKey;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spend outside governance, per key. Rules (each needs at least {@value #MIN_CALLS} billed calls):
 *
 * <ul>
 *   <li>{@code unattributed}: calls without a feature or department;
 *   <li>{@code no_budget}: calls no budget policy applies to (no key, feature, department, team, environment, run or
 *       global budget matches);
 *   <li>{@code nonprod_on_prod_key}: a production key used by calls that say they come from another environment;
 *   <li>{@code multiple_environments}: any other key used from an environment other than its own.
 * </ul>
 *
 * Without key and budget stores ({@link Governance#UNKNOWN}) only {@code unattributed} applies.
 * Spend at risk = the recorded cost of the calls the rule matched. These findings save nothing by themselves, so
 * their savings are zero; the advisor lists them after the savings.
 */
final class UngovernedKeyDetector implements Detector {
    static final long MIN_CALLS = 10;
    static final String NO_KEY = "(no key)";

    private final Map<String, ProxyKey> keys = new HashMap<>();
    private final List<BudgetPolicy> policies;
    private final boolean known;
    private final Map<String, KeyStats> stats = new LinkedHashMap<>();
    private final Map<String, BigDecimal> atRiskByFeature = new HashMap<>();

    UngovernedKeyDetector(Governance governance) {
        for (ProxyKey k : governance.keys()) {
            keys.put(k.id(), k);
        }
        this.policies = governance.policies();
        this.known = governance.known();
    }

    @Override
    public void accept(Call c) {
        if (!c.billed()) {
            return;
        }
        var r = c.record;
        String keyId = r.keyId() == null ? NO_KEY : r.keyId();
        KeyStats s = stats.computeIfAbsent(keyId, k -> new KeyStats());
        s.all.seen(r.tsStart());
        boolean atRisk = false;
        if (!r.attribution().isAttributed()) {
            s.unattributed.wasteful(r.requestId(), r.tsStart(), c.cost);
            atRisk = true;
        }
        boolean covered = !known;
        for (BudgetPolicy p : policies) {
            if (p.scope().matchValue(r.attribution(), r.keyId()) != null) {
                covered = true;
                break;
            }
        }
        if (!covered) {
            s.noBudget.wasteful(r.requestId(), r.tsStart(), c.cost);
            atRisk = true;
        }
        ProxyKey key = keys.get(keyId);
        String env = r.attribution().environment();
        if (key != null && env != null && !env.equalsIgnoreCase(key.environment())) {
            s.foreignEnv.wasteful(r.requestId(), r.tsStart(), c.cost);
            s.foreignEnvironments.merge(env, 1L, Long::sum);
            atRisk = true;
        }
        if (atRisk) {
            atRiskByFeature.merge(c.feature, c.cost, BigDecimal::add);
        }
    }

    /** Cost of the calls of each feature that broke at least one rule (before the minimum-calls filter). */
    Map<String, BigDecimal> atRiskByFeature() {
        return atRiskByFeature;
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        List<Finding> out = new ArrayList<>();
        for (Map.Entry<String, KeyStats> e : stats.entrySet()) {
            String keyId = e.getKey();
            KeyStats s = e.getValue();
            ProxyKey key = keys.get(keyId);
            String name = key == null ? keyId : keyId + " (" + key.name() + ")";
            if (s.unattributed.wasteful >= MIN_CALLS) {
                out.add(finding(
                        window,
                        "unattributed",
                        keyId,
                        s.unattributed,
                        s.all.calls,
                        Map.of(),
                        "Attribute the calls of key " + name + ": " + s.unattributed.wasteful + " of " + s.all.calls
                                + " calls had no feature or department. Give the key defaults (./spendgate keys create"
                                + " --feature F --department D for a replacement) or send the X-Cost-Feature and"
                                + " X-Cost-Department headers."));
            }
            if (s.noBudget.wasteful >= MIN_CALLS) {
                BigDecimal limit = window.monthly(s.noBudget.wasteUsd)
                        .multiply(new BigDecimal("1.2"))
                        .setScale(-1, RoundingMode.CEILING)
                        .max(BigDecimal.TEN);
                out.add(finding(
                        window,
                        "no_budget",
                        keyId,
                        s.noBudget,
                        s.all.calls,
                        Map.of(),
                        "Put key " + name + " under a budget: " + s.noBudget.wasteful + " calls matched no budget"
                                + " policy. For example: ./spendgate budgets set --scope key:" + keyId
                                + " --period monthly --limit-usd " + limit.toPlainString() + " --mode alert"
                                + " (monthly spend at risk + 20 %)."));
            }
            if (key != null && s.foreignEnv.wasteful >= MIN_CALLS) {
                boolean prodKey = Governance.isProduction(key.environment());
                boolean nonProdCallers = s.foreignEnvironments.keySet().stream().noneMatch(Governance::isProduction);
                boolean nonprodOnProd = prodKey && nonProdCallers;
                Map<String, String> details = new LinkedHashMap<>();
                details.put("key_environment", key.environment());
                s.foreignEnvironments.forEach((env, n) -> details.put("calls_from_" + env, Long.toString(n)));
                String envs = String.join(", ", s.foreignEnvironments.keySet());
                out.add(finding(
                        window,
                        nonprodOnProd ? "nonprod_on_prod_key" : "multiple_environments",
                        keyId,
                        s.foreignEnv,
                        s.all.calls,
                        details,
                        "Give each environment its own key: key " + name + " belongs to " + key.environment()
                                + " but " + s.foreignEnv.wasteful + " calls came from " + envs
                                + ". Create one with ./spendgate keys create --name " + key.name() + "-"
                                + s.foreignEnvironments.keySet().iterator().next() + " --environment "
                                + s.foreignEnvironments.keySet().iterator().next()
                                + ", move that traffic to it, then budget it."));
            }
        }
        return out;
    }

    private static Finding finding(
            WasteWindow window,
            String kind,
            String keyId,
            Tally matched,
            long keyCalls,
            Map<String, String> details,
            String recommendation) {
        Evidence evidence =
                new Evidence(keyCalls, matched.wasteful, matched.first, matched.last, matched.examples, details);
        return new Finding(
                WasteCategory.UNGOVERNED_KEY,
                kind,
                "key",
                keyId,
                null,
                null,
                evidence,
                BigDecimal.ZERO,
                BigDecimal.ZERO.setScale(6),
                window.monthly(matched.wasteUsd),
                "spend at risk = sum of the recorded cost of the " + matched.wasteful
                        + " matching calls, x 30 days / window; savings 0 (governance, not waste)",
                recommendation,
                null);
    }

    private static final class KeyStats {
        final Tally all = new Tally();
        final Tally unattributed = new Tally();
        final Tally noBudget = new Tally();
        final Tally foreignEnv = new Tally();
        final Map<String, Long> foreignEnvironments = new LinkedHashMap<>();
    }
}
