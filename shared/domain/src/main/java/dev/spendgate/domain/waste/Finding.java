package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

/**
 * One piece of waste: what it is, where, the evidence, what it costs per month and what to change.
 *
 * @param kind the rule within the category that fired, e.g. {@code duplicate_repeats} or {@code no_budget}
 * @param scopeType {@code feature}, {@code session}, {@code key} ...
 * @param feature the feature the waste belongs to, or null when it spans features
 * @param windowSavingsUsd what the change would have saved over the analysed window (exact)
 * @param monthlySavingsUsd the same per 30 days
 * @param monthlySpendAtRiskUsd spend per 30 days outside governance (ungoverned keys; zero otherwise)
 * @param savingsByThreshold for cache misses: window savings at similarity 0.85, 0.90 and 0.95
 */
public record Finding(
        WasteCategory category,
        String kind,
        String scopeType,
        String scopeValue,
        String feature,
        String model,
        Evidence evidence,
        BigDecimal windowSavingsUsd,
        BigDecimal monthlySavingsUsd,
        BigDecimal monthlySpendAtRiskUsd,
        String savingsFormula,
        String recommendation,
        Map<String, BigDecimal> savingsByThreshold) {

    public Finding {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(scopeType, "scopeType");
        Objects.requireNonNull(scopeValue, "scopeValue");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(windowSavingsUsd, "windowSavingsUsd");
        Objects.requireNonNull(monthlySavingsUsd, "monthlySavingsUsd");
        Objects.requireNonNull(monthlySpendAtRiskUsd, "monthlySpendAtRiskUsd");
        Objects.requireNonNull(savingsFormula, "savingsFormula");
        Objects.requireNonNull(recommendation, "recommendation");
        savingsByThreshold = savingsByThreshold == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(savingsByThreshold));
    }

    /** A stable id: {@code category/kind/scopeType:scopeValue[/model]}. */
    public String id() {
        return category.label() + "/" + kind + "/" + scopeType + ":" + scopeValue + (model == null ? "" : "/" + model);
    }
}
