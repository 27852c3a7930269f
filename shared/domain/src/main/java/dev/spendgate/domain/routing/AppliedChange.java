package dev.spendgate.domain.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A policy change made from a waste finding ({@code advisor apply}): what, by whom, when, and what the simulator said
 * it would have saved over the window it replayed, so recovery can be measured per finding.
 *
 * @param change {@code route}, {@code cache} or {@code prompt_caching}
 * @param ruleId the rule the change added (a route id, or the feature of a cache or prompt caching rule)
 */
public record AppliedChange(
        String findingId,
        String change,
        String ruleId,
        String appliedBy,
        Instant appliedAt,
        BigDecimal wouldHaveSavedUsd,
        String simulatedWindow) {

    public AppliedChange {
        Objects.requireNonNull(findingId, "findingId");
        Objects.requireNonNull(change, "change");
        Objects.requireNonNull(appliedBy, "appliedBy");
        Objects.requireNonNull(appliedAt, "appliedAt");
    }
}
