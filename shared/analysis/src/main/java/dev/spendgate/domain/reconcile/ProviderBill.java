package dev.spendgate.domain.reconcile;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What one provider's files say about a month: its charges, its token counts when it reports them separately, the
 * days its cost data covers, and what the importer had to warn about.
 *
 * @param usage token counts from a separate usage report; empty when the provider gave none (then the charges' own
 *     token quantities are used when they carry them, as in AWS CUR)
 * @param costDays the days for which the cost data had a bucket (a day with no spend still has one)
 * @param usageDays the days for which the usage data had a bucket
 * @param origin where the figures come from, for the report (file names or API endpoints)
 */
public record ProviderBill(
        BillSource source,
        List<ProviderCharge> charges,
        List<ProviderUsage> usage,
        SortedSet<LocalDate> costDays,
        SortedSet<LocalDate> usageDays,
        List<String> warnings,
        String origin) {

    public ProviderBill {
        Objects.requireNonNull(source, "source");
        charges = List.copyOf(charges);
        usage = List.copyOf(usage);
        costDays = new TreeSet<>(costDays);
        usageDays = new TreeSet<>(usageDays);
        warnings = List.copyOf(warnings);
        origin = origin == null ? source.id() : origin;
    }

    /** True when token counts come with the bill (a usage report, or quantities on every token charge). */
    public boolean hasTokenCounts() {
        return !usage.isEmpty()
                || (!charges.isEmpty()
                        && charges.stream().filter(ProviderCharge::metered).allMatch(c -> c.tokens() >= 0)
                        && charges.stream().anyMatch(ProviderCharge::metered));
    }
}
