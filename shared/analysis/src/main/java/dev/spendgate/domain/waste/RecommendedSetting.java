package dev.spendgate.domain.waste;

import java.util.List;

/**
 * One value for one gateway setting, gathered from every finding that advises it, so two findings never advise the
 * same setting at different values.
 *
 * @param setting the environment variable or budget, e.g. {@code SPENDGATE_DEGRADE_CHAINS}
 * @param scope where it applies: {@code gateway} for an environment variable, else a budget scope like
 *     {@code feature:ticket-triage}
 * @param findingIds the findings that advise it
 */
public record RecommendedSetting(String setting, String scope, String value, String reason, List<String> findingIds) {
    public RecommendedSetting {
        findingIds = List.copyOf(findingIds);
    }
}
