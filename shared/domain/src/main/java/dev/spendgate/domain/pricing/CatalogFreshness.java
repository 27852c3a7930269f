package dev.spendgate.domain.pricing;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** Whether a catalog is old enough that provider prices have likely moved since it was published. */
public final class CatalogFreshness {
    /** Providers changed list prices about monthly in 2025-2026; two months without a check is too long. */
    public static final int MAX_AGE_DAYS = 60;

    private CatalogFreshness() {}

    /** A warning naming the catalog's age and what to do, or empty when it is at most {@link #MAX_AGE_DAYS} old. */
    public static Optional<String> warning(PricingCatalog catalog, LocalDate today) {
        return catalog.publishedOn().flatMap(published -> {
            long days = ChronoUnit.DAYS.between(published, today);
            if (days <= MAX_AGE_DAYS) {
                return Optional.empty();
            }
            return Optional.of("the pricing catalog " + catalog.version() + " is " + days + " days old (published "
                    + published + ", more than " + MAX_AGE_DAYS + " days ago): provider prices may have changed"
                    + " since. Compare a newer catalog with './spendgate pricing check FILE' and upgrade, or set"
                    + " SPENDGATE_PRICING_OVERRIDES for the prices you know changed.");
        });
    }
}
