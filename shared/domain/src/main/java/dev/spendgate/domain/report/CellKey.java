package dev.spendgate.domain.report;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One cell of a month's usage: the UTC day, who served it, what model and which attribution. Every report figure is a
 * sum over cells, so the in-process reader and an Athena query can both fill them.
 *
 * @param model the model the call was priced for (as recorded, not yet resolved through the catalog)
 */
public record CellKey(
        LocalDate day,
        String provider,
        String model,
        String keyId,
        String feature,
        String department,
        String team,
        String environment) {

    public CellKey {
        Objects.requireNonNull(day, "day");
    }
}
