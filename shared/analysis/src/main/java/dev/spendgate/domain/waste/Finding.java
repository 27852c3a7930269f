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
 * @param owner who pays for the scope (department, cost centre from the chargeback rules), or null when unknown
 * @param qualityRisk what following the advice could break and how to roll it out safely, or null when nothing
 * @param prompt a short digest of the prompt the finding is about, when one feature and model can have a finding per
 *     prompt (context bloat: one per system prompt); part of the {@link #id() id}; null otherwise
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
        Map<String, BigDecimal> savingsByThreshold,
        Owner owner,
        String qualityRisk,
        String prompt) {

    /**
     * The evidence detail of a finding with spend at risk that gives its scope's monthly spend at risk with each call
     * counted once: a call breaking two rules is in two findings of the same scope, which together put no more than
     * this at risk.
     */
    public static final String SCOPE_AT_RISK_DETAIL = "key_spend_at_risk_usd";

    /**
     * The feature findings name for calls sent without one (no header, no key default): a placeholder, never a
     * feature a gateway rule can be scoped to.
     */
    public static final String UNATTRIBUTED = "(unattributed)";

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

    /** A finding without owner or quality note (the analyzer adds the owner). */
    public Finding(
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
        this(
                category,
                kind,
                scopeType,
                scopeValue,
                feature,
                model,
                evidence,
                windowSavingsUsd,
                monthlySavingsUsd,
                monthlySpendAtRiskUsd,
                savingsFormula,
                recommendation,
                savingsByThreshold,
                null,
                null,
                null);
    }

    /** A finding with an owner and quality note, about no one prompt. */
    public Finding(
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
            Map<String, BigDecimal> savingsByThreshold,
            Owner owner,
            String qualityRisk) {
        this(
                category,
                kind,
                scopeType,
                scopeValue,
                feature,
                model,
                evidence,
                windowSavingsUsd,
                monthlySavingsUsd,
                monthlySpendAtRiskUsd,
                savingsFormula,
                recommendation,
                savingsByThreshold,
                owner,
                qualityRisk,
                null);
    }

    /** This finding with its owner. */
    public Finding withOwner(Owner who) {
        return new Finding(
                category,
                kind,
                scopeType,
                scopeValue,
                feature,
                model,
                evidence,
                windowSavingsUsd,
                monthlySavingsUsd,
                monthlySpendAtRiskUsd,
                savingsFormula,
                recommendation,
                savingsByThreshold,
                who,
                qualityRisk,
                prompt);
    }

    /** This finding with a quality-risk note. */
    public Finding withQualityRisk(String note) {
        return new Finding(
                category,
                kind,
                scopeType,
                scopeValue,
                feature,
                model,
                evidence,
                windowSavingsUsd,
                monthlySavingsUsd,
                monthlySpendAtRiskUsd,
                savingsFormula,
                recommendation,
                savingsByThreshold,
                owner,
                note,
                prompt);
    }

    /** This finding about one prompt ({@code digest}, a short digest of its fingerprint). */
    public Finding withPrompt(String digest) {
        return new Finding(
                category,
                kind,
                scopeType,
                scopeValue,
                feature,
                model,
                evidence,
                windowSavingsUsd,
                monthlySavingsUsd,
                monthlySpendAtRiskUsd,
                savingsFormula,
                recommendation,
                savingsByThreshold,
                owner,
                qualityRisk,
                digest);
    }

    /**
     * A stable id: {@code category/kind/scopeType:scopeValue[/model][/prompt:digest]}; a retry finding of a session or
     * key that has findings of several features ends in {@code /feature:FEATURE} (one finding per feature of the scope).
     */
    public String id() {
        return category.label() + "/" + kind + "/" + scopeType + ":" + scopeValue + (model == null ? "" : "/" + model)
                + (prompt == null ? "" : PROMPT_ID + prompt)
                + (category == WasteCategory.RETRY_WASTE && evidence.details().containsKey(RetryDetector.SCOPE_FEATURES)
                        ? "/feature:" + feature
                        : "");
    }

    private static final String PROMPT_ID = "/prompt:";

    /**
     * The id a finding had before its prompt was part of it (context-bloat findings up to session 21): {@code id}
     * without its {@code /prompt:} part, or {@code id} itself. Stored life cycles and scripts may still name it.
     */
    public static String legacyId(String id) {
        int at = id.lastIndexOf(PROMPT_ID);
        return at < 0 || !id.startsWith(WasteCategory.CONTEXT_BLOAT.label() + "/") ? id : id.substring(0, at);
    }
}
