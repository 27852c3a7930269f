package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a feature's findings recover together, each call's cost counted at most once. Every finding stands alone (its
 * own figure is what its one change would save), but several detectors often name the same calls: a nightly job's
 * repeated short prompt on a premium model is a cache miss, a model mismatch and a batch-tier case at once, and the
 * three figures add up to more than the calls cost.
 *
 * <p>The detectors keep per-group tallies, not a figure per call (a 30-day window is merged from day aggregates), so
 * the overlap is not known call by call. One detector names a call at most once (its groups, sessions or partitions
 * are disjoint), so a category's findings add up: s = their sum, at most S, the feature's spend in the window. Across
 * categories the levers are taken as applied in turn, each to the spend the earlier ones left: {@code W = S x (1 - (1
 * - s1/S) x (1 - s2/S) x ...)}. One category: its findings' sum. Levers on the same calls (cache the repeats, then
 * move the rest to the cheaper model, then batch them): what doing all of them saves. Never more than S. Categories
 * on disjoint calls are slightly under-counted (by s1 x s2 / S); categories that share a small part of the feature's
 * calls may still be counted partly twice, but the total never exceeds the feature's spend.
 */
public final class RecoverableTotal {
    private static final MathContext MC = MathContext.DECIMAL64;

    private RecoverableTotal() {}

    /**
     * The recoverable waste per feature ({@link Call#UNATTRIBUTED} for findings without one) of {@code findings}, with
     * {@code spendByFeature} the features' spend in the window.
     */
    static Map<String, BigDecimal> byFeature(List<Finding> findings, Map<String, BigDecimal> spendByFeature) {
        Map<String, Map<WasteCategory, BigDecimal>> savings = new HashMap<>();
        for (Finding f : findings) {
            if (f.windowSavingsUsd().signum() > 0) {
                String feature = f.feature() == null ? Call.UNATTRIBUTED : f.feature();
                savings.computeIfAbsent(feature, k -> new EnumMap<>(WasteCategory.class))
                        .merge(f.category(), f.windowSavingsUsd(), BigDecimal::add);
            }
        }
        Map<String, BigDecimal> out = new HashMap<>();
        savings.forEach(
                (feature, s) -> out.put(feature, combined(new ArrayList<>(s.values()), spendByFeature.get(feature))));
        return out;
    }

    /** The categories' savings combined as levers applied in turn on {@code spend} (see the class comment). */
    public static BigDecimal combined(List<BigDecimal> savings, BigDecimal spend) {
        List<BigDecimal> sorted = new ArrayList<>(savings);
        sorted.sort(Comparator.reverseOrder());
        if (spend == null || spend.signum() <= 0) {
            // no spend to bound them by (findings on calls outside the spend figures): the largest lever alone
            return sorted.isEmpty() ? BigDecimal.ZERO : sorted.get(0);
        }
        BigDecimal total = BigDecimal.ZERO;
        for (BigDecimal s : sorted) {
            BigDecimal lever = s.min(spend);
            // what is left of the spend, times this lever's share of the spend
            total = total.signum() == 0
                    ? lever
                    : total.add(lever.multiply(spend.subtract(total), MC).divide(spend, MC), MC);
        }
        return total.min(spend).stripTrailingZeros();
    }
}
