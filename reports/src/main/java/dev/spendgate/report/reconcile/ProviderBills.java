package dev.spendgate.report.reconcile;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The providers' bills a monthly report is reconciled against, read by the importers ({@link OpenAiBill},
 * {@link AnthropicBill}, {@link AwsBill}), the unexplained share above which a provider is flagged, and the provider
 * accounts (projects, keys, workspaces, inference profiles) the gateway itself calls with, so spend billed under any
 * other account is attributed to that account.
 *
 * @param noBillData why each provider without a bill has none ({@code "no admin key or export configured"}); the
 *     board report states every provider without a bill as "no bill data", with this reason when known
 */
public record ProviderBills(
        List<ProviderBill> bills,
        BigDecimal thresholdPercent,
        Set<String> gatewayAccounts,
        Map<BillSource, String> noBillData) {
    public ProviderBills {
        bills = List.copyOf(bills);
        gatewayAccounts = gatewayAccounts == null ? Set.of() : Set.copyOf(gatewayAccounts);
        noBillData = noBillData == null ? Map.of() : Map.copyOf(noBillData);
        if (bills.isEmpty() && noBillData.isEmpty()) {
            throw new IllegalArgumentException("provider bills: give at least one bill");
        }
        for (ProviderBill b : bills) {
            if (noBillData.containsKey(b.source())) {
                throw new IllegalArgumentException(
                        "provider bills: " + b.source().id() + " has a bill and is named as having none");
            }
        }
        thresholdPercent = thresholdPercent == null ? Reconciler.DEFAULT_THRESHOLD_PERCENT : thresholdPercent;
    }

    /** Bills given by hand: providers without one are stated as having no bill data, without a reason. */
    public ProviderBills(List<ProviderBill> bills, BigDecimal thresholdPercent, Set<String> gatewayAccounts) {
        this(bills, thresholdPercent, gatewayAccounts, Map.of());
    }

    /** Bills without knowing the gateway's own provider accounts (traffic not seen is then not split per account). */
    public ProviderBills(List<ProviderBill> bills, BigDecimal thresholdPercent) {
        this(bills, thresholdPercent, Set.of());
    }

    /** Where each bill's figures come from (file names or API endpoints), for {@code reconciliation.csv}. */
    public Map<BillSource, String> origins() {
        Map<BillSource, String> m = new EnumMap<>(BillSource.class);
        bills.forEach(b -> m.put(b.source(), b.origin()));
        return m;
    }

    /** The month's reconciliation of the metered {@code usage} through {@code through} (null: the whole month). */
    public Reconciliation reconcile(PricingCatalog catalog, MonthlyUsage usage, LocalDate through) {
        Objects.requireNonNull(usage, "usage");
        return Reconciler.create(catalog, thresholdPercent).reconcile(usage, through, bills);
    }
}
