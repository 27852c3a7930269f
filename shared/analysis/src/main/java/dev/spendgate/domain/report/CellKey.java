package dev.spendgate.domain.report;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One cell of a month's usage: the UTC day, who served it, what model and which attribution. Every report figure is a
 * sum over cells, so the in-process reader and an Athena query can both fill them.
 *
 * @param model the model the call was priced for (as recorded, not yet resolved through the catalog)
 * @param pricingProvider the catalog provider the call was priced with when it is not {@code provider}, else null
 * @param serviceTier the canonical service tier the calls were priced at (flex, priority, batch, ...); null for
 *     standard
 */
public record CellKey(
        LocalDate day,
        String provider,
        String model,
        String keyId,
        String feature,
        String department,
        String team,
        String environment,
        String pricingProvider,
        String serviceTier) {

    public CellKey {
        Objects.requireNonNull(day, "day");
    }

    /** A cell priced at the standard tier. */
    public CellKey(
            LocalDate day,
            String provider,
            String model,
            String keyId,
            String feature,
            String department,
            String team,
            String environment,
            String pricingProvider) {
        this(day, provider, model, keyId, feature, department, team, environment, pricingProvider, null);
    }

    /** A cell priced under its own provider's name. */
    public CellKey(
            LocalDate day,
            String provider,
            String model,
            String keyId,
            String feature,
            String department,
            String team,
            String environment) {
        this(day, provider, model, keyId, feature, department, team, environment, null);
    }

    /** The catalog provider whose prices apply. */
    public String pricedProvider() {
        return pricingProvider != null ? pricingProvider : provider;
    }
}
