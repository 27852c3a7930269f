package dev.spendgate.report.reconcile;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The providers' bills a monthly report is reconciled against, read by the importers ({@link OpenAiBill},
 * {@link AnthropicBill}, {@link AwsBill}), the unexplained share above which a provider is flagged, and the provider
 * accounts (projects, keys, workspaces, inference profiles) the gateway itself calls with, so spend billed under any
 * other account is attributed to that account.
 */
public record ProviderBills(List<ProviderBill> bills, BigDecimal thresholdPercent, Set<String> gatewayAccounts) {
    public ProviderBills {
        bills = List.copyOf(bills);
        gatewayAccounts = gatewayAccounts == null ? Set.of() : Set.copyOf(gatewayAccounts);
        if (bills.isEmpty()) {
            throw new IllegalArgumentException("provider bills: give at least one bill");
        }
        thresholdPercent = thresholdPercent == null ? Reconciler.DEFAULT_THRESHOLD_PERCENT : thresholdPercent;
    }

    /** Bills without knowing the gateway's own provider accounts (traffic not seen is then not split per account). */
    public ProviderBills(List<ProviderBill> bills, BigDecimal thresholdPercent) {
        this(bills, thresholdPercent, Set.of());
    }

    /** Where each bill's figures come from (file names or API endpoints), for {@code reconciliation.csv}. */
    public java.util.Map<dev.spendgate.domain.reconcile.BillSource, String> origins() {
        java.util.Map<dev.spendgate.domain.reconcile.BillSource, String> m =
                new java.util.EnumMap<>(dev.spendgate.domain.reconcile.BillSource.class);
        bills.forEach(b -> m.put(b.source(), b.origin()));
        return m;
    }

    /** The month's reconciliation of the metered {@code usage} through {@code through} (null: the whole month). */
    public Reconciliation reconcile(PricingCatalog catalog, MonthlyUsage usage, LocalDate through) {
        Objects.requireNonNull(usage, "usage");
        return Reconciler.create(catalog, thresholdPercent).reconcile(usage, through, bills);
    }
}
