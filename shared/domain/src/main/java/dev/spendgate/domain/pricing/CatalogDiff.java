package dev.spendgate.domain.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changes between two catalogs, model by model, comparing each model's newest rate card: models added, models
 * removed or newly retired, and every rate that moved (standard, per tier, long context, region multipliers).
 */
public record CatalogDiff(List<ModelPrice> added, List<Retired> retired, List<Changed> changed) {

    /** A model the candidate no longer prices ({@code removed}) or marks retired from {@code on}. */
    public record Retired(ModelPrice price, boolean removed, LocalDate on) {}

    /** One model whose rates moved: each change as {@code field: old -> new}. */
    public record Changed(ModelPrice before, ModelPrice after, List<String> changes) {}

    public static CatalogDiff between(PricingCatalog current, PricingCatalog candidate) {
        Map<String, ModelPrice> now = index(current);
        Map<String, ModelPrice> next = index(candidate);
        List<ModelPrice> added = new ArrayList<>();
        List<Retired> retired = new ArrayList<>();
        List<Changed> changed = new ArrayList<>();
        for (Map.Entry<String, ModelPrice> e : next.entrySet()) {
            ModelPrice before = now.get(e.getKey());
            ModelPrice after = e.getValue();
            if (before == null) {
                added.add(after);
                continue;
            }
            if (after.retiredDate() != null && !after.retiredDate().equals(before.retiredDate())) {
                retired.add(new Retired(after, false, after.retiredDate()));
            }
            List<String> changes = changes(before, after);
            if (!changes.isEmpty()) {
                changed.add(new Changed(before, after, changes));
            }
        }
        for (Map.Entry<String, ModelPrice> e : now.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                retired.add(new Retired(e.getValue(), true, null));
            }
        }
        return new CatalogDiff(List.copyOf(added), List.copyOf(retired), List.copyOf(changed));
    }

    public boolean isEmpty() {
        return added.isEmpty() && retired.isEmpty() && changed.isEmpty();
    }

    private static Map<String, ModelPrice> index(PricingCatalog catalog) {
        Map<String, ModelPrice> map = new LinkedHashMap<>();
        for (ModelPrice p : catalog.models()) {
            map.put(p.provider() + "/" + p.model(), p);
        }
        return map;
    }

    private static List<String> changes(ModelPrice before, ModelPrice after) {
        List<String> changes = new ArrayList<>();
        rates("", before.standardRates(), after.standardRates(), changes);
        java.util.Set<String> tiers =
                new java.util.TreeSet<>(before.serviceTierRates().keySet());
        tiers.addAll(after.serviceTierRates().keySet());
        for (String tier : tiers) {
            rates(
                    tier + ".",
                    before.serviceTierRates().get(tier),
                    after.serviceTierRates().get(tier),
                    changes);
        }
        LongContext a = before.longContext();
        LongContext b = after.longContext();
        if (a == null || b == null) {
            if (a != b) {
                changes.add("long_context: " + describe(a) + " -> " + describe(b));
            }
        } else {
            if (a.thresholdInputTokens() != b.thresholdInputTokens()) {
                changes.add("long_context.threshold_input_tokens: " + a.thresholdInputTokens() + " -> "
                        + b.thresholdInputTokens());
            }
            rates("long_context.", a.rates(), b.rates(), changes);
        }
        field("web_search_per_1k", before.webSearchPer1k(), after.webSearchPer1k(), changes);
        field("web_search_preview_per_1k", before.webSearchPreviewPer1k(), after.webSearchPreviewPer1k(), changes);
        if (!before.regionMultipliers().equals(after.regionMultipliers())) {
            changes.add("region_multipliers: " + before.regionMultipliers() + " -> " + after.regionMultipliers());
        }
        return changes;
    }

    private static String describe(LongContext lc) {
        return lc == null ? "none" : "above " + lc.thresholdInputTokens() + " input tokens";
    }

    private static void rates(String prefix, Rates a, Rates b, List<String> changes) {
        if (a == null || b == null) {
            if (a != b) {
                changes.add(prefix + "rates: " + (a == null ? "none" : "set") + " -> " + (b == null ? "none" : "set"));
            }
            return;
        }
        field(prefix + "input", a.input(), b.input(), changes);
        field(prefix + "cached_input", a.cachedInput(), b.cachedInput(), changes);
        field(prefix + "cache_write_5m", a.cacheWrite5m(), b.cacheWrite5m(), changes);
        field(prefix + "cache_write_1h", a.cacheWrite1h(), b.cacheWrite1h(), changes);
        field(prefix + "output", a.output(), b.output(), changes);
    }

    private static void field(String name, BigDecimal a, BigDecimal b, List<String> changes) {
        if (!Objects.equals(a == null ? null : a.stripTrailingZeros(), b == null ? null : b.stripTrailingZeros())) {
            changes.add(name + ": " + plain(a) + " -> " + plain(b));
        }
    }

    private static String plain(BigDecimal value) {
        if (value == null) {
            return "none";
        }
        BigDecimal s = value.stripTrailingZeros();
        return s.setScale(Math.max(2, s.scale())).toPlainString();
    }
}
