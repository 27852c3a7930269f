package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogFreshnessTest {
    private final PricingCatalog catalog = PricingCatalog.of("2026-12-03", List.of());

    @Test
    void warning_sixtyDaysOld_isQuiet() {
        assertThat(CatalogFreshness.warning(catalog, LocalDate.parse("2027-02-01")))
                .isEmpty();
    }

    @Test
    void warning_sixtyOneDaysOld_namesAgeAndTheCheckCommand() {
        assertThat(CatalogFreshness.warning(catalog, LocalDate.parse("2027-02-02")))
                .hasValueSatisfying(w -> assertThat(w)
                        .contains("61 days old")
                        .contains("2026-12-03")
                        .contains("./spendgate pricing check"));
    }

    @Test
    void warning_overriddenCatalog_usesTheBundledDate() {
        PricingCatalog overridden = PricingCatalog.of("2026-12-03+overrides-1a2b3c4d", List.of());
        assertThat(CatalogFreshness.warning(overridden, LocalDate.parse("2027-03-01")))
                .isPresent();
    }

    @Test
    void bundled_isAtMostSixtyDaysOldAtRelease() {
        // Fails the build of a release whose catalog nobody refreshed: update catalog.json and its README first.
        assertThat(CatalogFreshness.warning(PricingCatalog.bundled(), LocalDate.parse("2026-12-03")))
                .isEmpty();
    }
}
