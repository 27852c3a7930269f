package dev.spendgate.cli;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which applied entry of the policy a measured saving is credited to, so {@code advisor status}'s rows add up to what
 * the rules saved: each call is credited to one entry, however many name its rule. A rule named by several findings
 * (two cache-miss findings of one feature, for two models, leave one cache rule) credits the finding of the call's
 * model (as {@code waste} names it: the catalog's model id, else the priced model); one finding applied again (at
 * {@code --share 10}, then in full) credits the entry in force when the call started, the latest applied at or before
 * it (the earliest for a call before them all).
 */
final class AppliedCredit {
    private final List<AppliedChange> applied;
    private final PricingCatalog catalog;
    /** Entries' indexes by {@code change:rule}, in the policy's order. */
    private final Map<String, List<Integer>> byRule = new LinkedHashMap<>();

    AppliedCredit(List<AppliedChange> applied, PricingCatalog catalog) {
        this.applied = applied;
        this.catalog = catalog;
        for (int i = 0; i < applied.size(); i++) {
            byRule.computeIfAbsent(key(applied.get(i).change(), applied.get(i).ruleId()), k -> new ArrayList<>())
                    .add(i);
        }
    }

    static String key(String change, String ruleId) {
        return change + ":" + ruleId;
    }

    /** The index in {@code applied} of the entry credited with {@code r}'s saving by rule {@code key}; -1 for none. */
    int entryFor(String key, UsageRecord r) {
        List<Integer> candidates = byRule.get(key);
        if (candidates == null) {
            return -1;
        }
        if (candidates.size() > 1) {
            String model = model(r);
            List<Integer> ofModel = candidates.stream()
                    .filter(i -> model != null && names(applied.get(i).findingId(), model))
                    .toList();
            if (!ofModel.isEmpty()) {
                candidates = ofModel;
            }
        }
        Instant at = r.tsStart();
        int chosen = -1;
        int earliest = candidates.get(0);
        for (int i : candidates) {
            Instant applied = this.applied.get(i).appliedAt();
            if (applied.isBefore(this.applied.get(earliest).appliedAt())) {
                earliest = i;
            }
            if (at != null
                    && !applied.isAfter(at)
                    && (chosen < 0 || !applied.isBefore(this.applied.get(chosen).appliedAt()))) {
                chosen = i;
            }
        }
        return chosen >= 0 ? chosen : earliest;
    }

    /** The call's model as a finding names it: the catalog's model id, else the priced model. */
    private String model(UsageRecord r) {
        String priced = r.pricedModel();
        if (priced == null || r.pricedProvider() == null) {
            return priced;
        }
        return catalog.find(r.pricedProvider(), priced, r.tsStart())
                .map(ModelPrice::model)
                .orElse(priced);
    }

    /** Whether a finding's id ({@code category/scope[/model][/...]}) names {@code model}. */
    private static boolean names(String findingId, String model) {
        return findingId.endsWith("/" + model) || findingId.contains("/" + model + "/");
    }
}
