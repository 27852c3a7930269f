package dev.spendgate.domain.waste;

import dev.spendgate.domain.attribution.Attribution;
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
    private final KeyAdmin admin;
    /**
     * Per key, its billed calls by attribution (the fields budget scopes match on): the rules are applied when the
     * findings are made, so day aggregates built before a key or budget changed are judged by today's governance.
     */
    private final Map<String, Map<List<String>, Combo>> combos = new LinkedHashMap<>();

    /** Per key, the calls folded so far with the rules applied (see {@link #fold}). */
    private final Map<String, KeyStats> folded = new LinkedHashMap<>();

    private final Map<String, BigDecimal> foldedAtRisk = new HashMap<>();
    private Map<String, KeyStats> stats;
    private Map<String, BigDecimal> atRiskByFeature;

    UngovernedKeyDetector(Governance governance) {
        for (ProxyKey k : governance.keys()) {
            keys.put(k.id(), k);
        }
        this.policies = governance.policies();
        this.known = governance.known();
        this.admin = governance.admin();
    }

    @Override
    public void accept(Call c) {
        if (c.warmUp || !c.billed()) {
            return;
        }
        var r = c.record;
        String keyId = r.keyId() == null ? NO_KEY : r.keyId();
        var a = r.attribution();
        List<String> fields = java.util.Arrays.asList(a.feature(), a.department(), a.team(), a.environment(), a.run());
        Combo combo = combos.computeIfAbsent(keyId, k -> new LinkedHashMap<>())
                .computeIfAbsent(fields, k -> new Combo(c.pos));
        combo.tally.wasteful(r.requestId(), r.tsStart(), c.cost);
        if (combo.positions.size() < Evidence.MAX_EXAMPLES) {
            combo.positions.add(c.pos);
        }
    }

    /** The billed calls of one day by key and attribution. */
    List<ComboState> dayState() {
        List<ComboState> out = new ArrayList<>();
        combos.forEach((keyId, byFields) -> byFields.forEach((fields, combo) -> out.add(
                new ComboState(keyId, fields, combo.firstPos, combo.tally.state(), List.copyOf(combo.positions)))));
        return out;
    }

    /** Adds a later day's calls, folded into the keys' figures at once (see {@link #fold}). */
    void absorb(List<ComboState> day) {
        day.forEach(this::absorb);
    }

    /** Adds one key and attribution of a later day. */
    void absorb(ComboState d) {
        fold(d.keyId(), d.fields(), d.firstPos(), d.tally(), d.positions());
    }

    /** Key-attribution entries held (a merge holds none, whatever the number of runs). */
    int combosHeld() {
        int n = 0;
        for (Map<List<String>, Combo> byFields : combos.values()) {
            n += byFields.size();
        }
        return n;
    }

    /**
     * Applies the rules to the calls of one key and attribution and adds them to the key's figures: what the findings
     * print is a sum over these (examples: the first by place in the pass), so a merge folds each day's calls in as
     * it comes and keeps no entry per attribution or run.
     */
    private void fold(String keyId, List<String> fields, long firstPos, Tally.State tally, List<Long> positions) {
        KeyStats s = folded.computeIfAbsent(keyId, k -> new KeyStats());
        ProxyKey key = keys.get(keyId);
        Attribution a =
                new Attribution(fields.get(0), fields.get(1), fields.get(2), fields.get(3), null, null, fields.get(4));
        s.all.absorb(tally.withoutExamples());
        boolean atRisk = false;
        if (!a.isAttributed()) {
            s.unattributed.add(tally, positions);
            atRisk = true;
        }
        boolean covered = !known;
        String matchKey = NO_KEY.equals(keyId) ? null : keyId;
        for (BudgetPolicy p : policies) {
            if (p.scope().matchValue(a, matchKey) != null) {
                covered = true;
                break;
            }
        }
        if (!covered) {
            s.noBudget.add(tally, positions);
            atRisk = true;
        }
        String env = a.environment();
        if (key != null && env != null && !env.equalsIgnoreCase(key.environment())) {
            s.foreignEnv.add(tally, positions);
            s.foreignEnvironments.merge(env, tally.wasteful(), Long::sum);
            s.foreignFirst.merge(env, firstPos, Math::min);
            atRisk = true;
        }
        if (atRisk) {
            s.atRisk.absorb(tally.withoutExamples());
            String feature = a.feature() == null ? Call.UNATTRIBUTED : a.feature();
            foldedAtRisk.merge(feature, tally.wasteUsd(), BigDecimal::add);
        }
    }

    /** Applies the rules to every key's calls (once: the findings and the at-risk figures share it). */
    private Map<String, KeyStats> stats() {
        if (stats != null) {
            return stats;
        }
        for (Map.Entry<String, Map<List<String>, Combo>> e : combos.entrySet()) {
            for (Map.Entry<List<String>, Combo> f : e.getValue().entrySet()) {
                Combo combo = f.getValue();
                fold(e.getKey(), f.getKey(), combo.firstPos, combo.tally.state(), combo.positions);
            }
        }
        stats = folded;
        atRiskByFeature = foldedAtRisk;
        for (KeyStats s : stats.values()) {
            // environments in the order their first call came, as one pass over the calls lists them
            Map<String, Long> first = s.foreignFirst;
            List<Map.Entry<String, Long>> envs = new ArrayList<>(s.foreignEnvironments.entrySet());
            envs.sort(Map.Entry.comparingByKey(java.util.Comparator.comparingLong(first::get)));
            s.foreignEnvironments.clear();
            envs.forEach(e -> s.foreignEnvironments.put(e.getKey(), e.getValue()));
        }
        return stats;
    }

    /** Cost of the calls of each feature that broke at least one rule (before the minimum-calls filter). */
    Map<String, BigDecimal> atRiskByFeature() {
        stats();
        return atRiskByFeature;
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        List<Finding> out = new ArrayList<>();
        for (Map.Entry<String, KeyStats> e : stats().entrySet()) {
            String keyId = e.getKey();
            KeyStats s = e.getValue();
            ProxyKey key = keys.get(keyId);
            String name = key == null ? keyId : keyId + " (" + key.name() + ")";
            // a revoked key makes no more calls: nothing to budget or replace, only its replacement to look at
            String revoked = key != null && !key.enabled() ? revoked(key) : null;
            if (s.unattributed.tally().wasteful >= MIN_CALLS) {
                String counts = s.unattributed.tally().wasteful + " of " + s.all.wasteful
                        + " calls had no feature or department";
                out.add(finding(
                        window,
                        "unattributed",
                        keyId,
                        s.unattributed.tally(),
                        s,
                        Map.of(),
                        revoked != null
                                ? "Key " + name + " is revoked: " + counts + " before it was. " + revoked
                                : "Attribute the calls of key " + name + ": " + counts + ". Give the key defaults ("
                                        + admin.createKeyWithDefaults() + ") or send the X-Cost-Feature and"
                                        + " X-Cost-Department headers."));
            }
            Tally noBudget = s.noBudget.tally();
            if (noBudget.wasteful >= MIN_CALLS) {
                BigDecimal limit = window.monthly(noBudget.wasteUsd)
                        .multiply(new BigDecimal("1.2"))
                        .setScale(-1, RoundingMode.CEILING)
                        .max(BigDecimal.TEN);
                out.add(finding(
                        window,
                        "no_budget",
                        keyId,
                        noBudget,
                        s,
                        Map.of(),
                        revoked != null
                                ? "Key " + name + " is revoked: " + noBudget.wasteful + " calls matched no budget"
                                        + " policy before it was. " + revoked
                                : "Put key " + name + " under a budget: " + noBudget.wasteful + " calls matched no"
                                        + " budget policy. For example: " + admin.budgetKey(keyId, limit)
                                        + " (monthly spend at risk + 20 %)."));
            }
            Tally foreignEnv = s.foreignEnv.tally();
            if (key != null && foreignEnv.wasteful >= MIN_CALLS) {
                boolean prodKey = Governance.isProduction(key.environment());
                boolean nonProdCallers = s.foreignEnvironments.keySet().stream().noneMatch(Governance::isProduction);
                boolean nonprodOnProd = prodKey && nonProdCallers;
                Map<String, String> details = new LinkedHashMap<>();
                details.put("key_environment", key.environment());
                s.foreignEnvironments.forEach((env, n) -> details.put("calls_from_" + env, Long.toString(n)));
                String envs = String.join(", ", s.foreignEnvironments.keySet());
                String firstEnv = s.foreignEnvironments.keySet().iterator().next();
                String counts =
                        "belongs to " + key.environment() + " but " + foreignEnv.wasteful + " calls came from " + envs;
                out.add(finding(
                        window,
                        nonprodOnProd ? "nonprod_on_prod_key" : "multiple_environments",
                        keyId,
                        foreignEnv,
                        s,
                        details,
                        revoked != null
                                ? "Key " + name + " is revoked: it " + counts + " before it was. " + revoked
                                : "Give each environment its own key: key " + name + " " + counts + ". Create one with "
                                        + admin.createKeyFor(key.name(), firstEnv)
                                        + ", move that traffic to it, then budget it."));
            }
        }
        return out;
    }

    /** What to look at instead of a revoked key: the enabled keys of the same name (a rotation's replacement). */
    private String revoked(ProxyKey key) {
        List<String> replacements = keys.values().stream()
                .filter(k -> k.enabled() && k.name().equals(key.name()))
                .map(ProxyKey::id)
                .sorted()
                .toList();
        return replacements.isEmpty()
                ? "It makes no more calls, so there is nothing to budget on it; check that the key its callers moved"
                        + " to is governed."
                : "It makes no more calls, so there is nothing to budget on it; check that its replacement "
                        + String.join(", ", replacements) + " (same name) is governed.";
    }

    private static Finding finding(
            WasteWindow window,
            String kind,
            String keyId,
            Tally matched,
            KeyStats key,
            Map<String, String> details,
            String recommendation) {
        // the key's calls that broke any rule, each once: a call breaking two rules is in two findings of the key
        Map<String, String> all = new LinkedHashMap<>(details);
        all.put(
                Finding.SCOPE_AT_RISK_DETAIL,
                window.monthly(key.atRisk.wasteUsd).toPlainString());
        Evidence evidence =
                new Evidence(key.all.wasteful, matched.wasteful, matched.first, matched.last, matched.examples, all);
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

    record ComboState(String keyId, List<String> fields, long firstPos, Tally.State tally, List<Long> positions) {}

    /** The billed calls of one key with one attribution; examples with their place in the pass. */
    private static final class Combo {
        final long firstPos;
        final Tally tally = new Tally();
        final List<Long> positions = new ArrayList<>();

        Combo(long firstPos) {
            this.firstPos = firstPos;
        }
    }

    /** The calls of several combos: their sums, and the first examples by their place in the pass. */
    private static final class Matched {
        private final Tally sum = new Tally();
        /** Place in the pass to request id: the {@link Evidence#MAX_EXAMPLES} first. */
        private final java.util.TreeMap<Long, String> examples = new java.util.TreeMap<>();

        void add(Tally.State s, List<Long> positions) {
            sum.absorb(s.withoutExamples());
            for (int i = 0; i < positions.size(); i++) {
                examples.put(positions.get(i), s.examples().get(i));
                if (examples.size() > Evidence.MAX_EXAMPLES) {
                    examples.pollLastEntry();
                }
            }
        }

        Tally tally() {
            Tally t = new Tally();
            t.absorb(sum.state());
            t.examples.addAll(examples.values());
            return t;
        }
    }

    private static final class KeyStats {
        final Tally all = new Tally();
        /** The key's calls that broke at least one rule, each once. */
        final Tally atRisk = new Tally();

        final Matched unattributed = new Matched();
        final Matched noBudget = new Matched();
        final Matched foreignEnv = new Matched();
        final Map<String, Long> foreignEnvironments = new LinkedHashMap<>();
        final Map<String, Long> foreignFirst = new HashMap<>();
    }
}
