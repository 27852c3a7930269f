package dev.spendgate.report.reconcile;

import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The month's reconciliation for the finance outputs: the provider spend the gateway did not meter as extra FOCUS
 * rows marked as coming from the provider's bill, and one status sentence per provider for the board report.
 */
public final class ProviderBillRows {
    /** The {@code x_AdjustmentReason} prefix of rows taken from a provider's bill, not from the usage log. */
    public static final String COST_SOURCE = "provider_bill";

    private ProviderBillRows() {}

    /**
     * One FOCUS adjustment row per day, provider, model and item for amounts on the provider's bill the gateway did
     * not meter (never-metered items and traffic not seen by the gateway), so the export carries what finance pays.
     * Their {@code note} ({@code x_AdjustmentReason}) starts with {@value #COST_SOURCE}.
     */
    public static List<FocusCharge> focusCharges(Reconciliation r) {
        List<FocusCharge> rows = new ArrayList<>();
        for (ReconciliationLine l : r.lines()) {
            BigDecimal amount = l.neverMeteredUsd().add(l.notSeenUsd());
            if (amount.signum() == 0) {
                continue;
            }
            String what = l.explanation() == Explanation.NEVER_METERED ? l.item() : "not seen by the gateway";
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("x_CostSource", COST_SOURCE);
            rows.add(new FocusCharge(
                    l.day(),
                    FocusCharge.Category.ADJUSTMENT,
                    l.source().gatewayProvider(),
                    publisher(l.source()),
                    l.model(),
                    null,
                    tags,
                    0,
                    null,
                    null,
                    amount,
                    amount,
                    0,
                    COST_SOURCE + ": " + what));
        }
        return rows;
    }

    /**
     * One line per provider for the board report: "matched within X %" when the unexplained share is within the
     * threshold, else the unexplained amount; plus what was billed but not metered.
     */
    public static List<String> status(Reconciliation r) {
        List<String> out = new ArrayList<>();
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = r.totals().get(s);
            if (t == null) {
                continue;
            }
            String head = s.id() + ": " + Money.usd(t.billedUsd()) + " billed";
            String verdict = t.unexplainedPercent().compareTo(r.thresholdPercent()) <= 0
                    ? "matched within "
                            + t.unexplainedPercent()
                                    .setScale(1, RoundingMode.HALF_UP)
                                    .toPlainString() + " %"
                    : Money.usd(t.unexplainedAbsUsd()) + " unexplained ("
                            + t.unexplainedPercent()
                                    .setScale(1, RoundingMode.HALF_UP)
                                    .toPlainString() + " %)";
            BigDecimal unmetered = t.neverMeteredUsd().add(t.notSeenUsd());
            out.add(head + ", " + verdict
                    + (unmetered.signum() != 0 ? "; " + Money.usd(unmetered) + " not metered by the gateway" : "")
                    + " (through " + r.through() + ")");
        }
        return out;
    }

    private static String publisher(BillSource s) {
        return switch (s) {
            case OPENAI -> "OpenAI";
            case ANTHROPIC -> "Anthropic";
            case AWS -> "Amazon Web Services";
        };
    }
}
