package dev.spendgate.report.reconcile;

import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.FocusCharges;
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

    /** The tag naming which part of the reconciliation a provider-bill row carries. */
    public static final String CLASS_TAG = "x_ReconciliationClass";
    /** The tag naming the provider's key, project, workspace or inference profile of a provider-bill row. */
    public static final String ACCOUNT_TAG = "x_ProviderAccount";

    /**
     * FOCUS rows for what the provider billed beyond the gateway's metered cost, per day, provider, model,
     * item and part of the difference (never metered, not seen by the gateway, estimates settled by the bill, price
     * drift, rounding, unexplained), so
     * the export carries what finance pays: metered rows plus these rows equal the provider's bill on every compared
     * day. Each row is tagged {@code x_CostSource=provider_bill} and {@value #CLASS_TAG}; never-metered rows are split
     * per provider account ({@value #ACCOUNT_TAG}) exactly, as their amount is the accounts' billed amount. Traffic not
     * seen by the gateway names its account when the line has one; a line billed under several accounts names them
     * all, unsplit (the gateway does not record which provider account it called with). Their {@code note}
     * ({@code x_AdjustmentReason}) starts with {@value #COST_SOURCE}. Their ChargeCategory is {@code Adjustment},
     * {@code Tax} or {@code Credit} for the bill's tax and credit lines ({@link #category}).
     */
    public static List<FocusCharge> focusCharges(Reconciliation r) {
        return focusCharges(r, java.util.Set.of());
    }

    /**
     * As {@link #focusCharges(Reconciliation)}, knowing which provider accounts (projects, keys, workspaces,
     * inference profiles) the gateway itself calls with: then traffic not seen by the gateway is split exactly per
     * other account, each at what that account was billed on the line (the raw-key team's project gets its own
     * amount), and any rest stays with the gateway's accounts.
     */
    public static List<FocusCharge> focusCharges(Reconciliation r, java.util.Set<String> gatewayAccounts) {
        List<FocusCharge> rows = new ArrayList<>();
        for (ReconciliationLine l : r.lines()) {
            if (l.explanation() == Explanation.NO_PROVIDER_DATA) {
                continue;
            }
            if (l.neverMeteredUsd().signum() != 0) {
                Map<String, BigDecimal> accounts = l.accounts();
                BigDecimal split = accounts.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                if (accounts.size() > 1 && split.compareTo(l.neverMeteredUsd()) == 0) {
                    for (Map.Entry<String, BigDecimal> a : new java.util.TreeMap<>(accounts).entrySet()) {
                        if (a.getValue().signum() != 0) {
                            rows.add(row(l, Explanation.NEVER_METERED, l.item(), a.getKey(), a.getValue()));
                        }
                    }
                } else {
                    rows.add(row(l, Explanation.NEVER_METERED, l.item(), accounts(l), l.neverMeteredUsd()));
                }
            }
            notSeen(rows, l, gatewayAccounts);
            add(
                    rows,
                    l,
                    Explanation.ESTIMATE_SETTLED_BY_BILL,
                    "estimates settled by the bill (calls the gateway charged at an estimate)",
                    l.estimateSettledUsd());
            add(rows, l, Explanation.PRICE_DRIFT, "price drift vs the catalog", l.priceDriftUsd());
            add(rows, l, Explanation.ROUNDING, "rounding", l.roundingUsd());
            add(rows, l, Explanation.UNEXPLAINED, "unexplained difference", l.unexplainedUsd());
        }
        return rows;
    }

    /** What the provider billed beyond the gateway's metering: never-metered items and traffic not seen. */
    public static BigDecimal unmeteredUsd(Reconciliation.Totals t) {
        return t.neverMeteredUsd().add(t.notSeenUsd());
    }

    private static void notSeen(List<FocusCharge> rows, ReconciliationLine l, java.util.Set<String> gateway) {
        BigDecimal amount = l.notSeenUsd();
        if (amount.signum() == 0) {
            return;
        }
        Map<String, BigDecimal> others = new java.util.TreeMap<>();
        l.accounts().forEach((a, usd) -> {
            if (!a.isEmpty() && !gateway.contains(a) && usd.signum() > 0) {
                others.put(a, usd);
            }
        });
        BigDecimal split = others.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        if (gateway.isEmpty() || others.isEmpty() || amount.signum() < 0 || split.compareTo(amount) > 0) {
            add(rows, l, Explanation.NOT_SEEN_BY_GATEWAY, "not seen by the gateway", amount);
            return;
        }
        for (Map.Entry<String, BigDecimal> o : others.entrySet()) {
            rows.add(row(l, Explanation.NOT_SEEN_BY_GATEWAY, "not seen by the gateway", o.getKey(), o.getValue()));
        }
        BigDecimal rest = amount.subtract(split);
        if (rest.signum() != 0) {
            String own = String.join(
                    ", ",
                    new java.util.TreeSet<>(l.accounts().keySet().stream()
                            .filter(gateway::contains)
                            .toList()));
            rows.add(row(l, Explanation.NOT_SEEN_BY_GATEWAY, "not seen by the gateway", own, rest));
        }
    }

    private static void add(
            List<FocusCharge> rows, ReconciliationLine l, Explanation part, String what, BigDecimal amount) {
        if (amount.signum() != 0) {
            rows.add(row(l, part, what, accounts(l), amount));
        }
    }

    private static String accounts(ReconciliationLine l) {
        return String.join(
                ", ",
                new java.util.TreeSet<>(
                        l.accounts().keySet().stream().filter(a -> !a.isEmpty()).toList()));
    }

    private static FocusCharge row(
            ReconciliationLine l, Explanation part, String what, String account, BigDecimal amount) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("x_CostSource", COST_SOURCE);
        tags.put(CLASS_TAG, part.label());
        if (account != null && !account.isEmpty()) {
            tags.put(ACCOUNT_TAG, account);
        }
        return new FocusCharge(
                l.day(),
                category(l, part),
                l.source().gatewayProvider(),
                // who made the model, as on the metered rows (Anthropic for Bedrock Claude), not who bills it
                FocusCharges.publisher(l.source().gatewayProvider(), l.model()),
                l.model(),
                null,
                tags,
                0,
                null,
                null,
                amount,
                amount,
                0,
                COST_SOURCE + ": " + what + (l.model() == null ? "" : " (" + l.model() + ")"));
    }

    /**
     * The FOCUS ChargeCategory of a provider-bill row: a never-metered tax or credit line of the bill (an AWS CUR 2.0
     * {@code line_item_line_item_type} or FOCUS export {@code ChargeCategory} of {@code Tax} or {@code Credit}, the
     * line's item) keeps that category; everything else the provider billed beyond the metering is an
     * {@code Adjustment}.
     */
    static FocusCharge.Category category(ReconciliationLine l, Explanation part) {
        if (part != Explanation.NEVER_METERED || l.item() == null) {
            return FocusCharge.Category.ADJUSTMENT;
        }
        return switch (l.item()) {
            case TAX_ITEM -> FocusCharge.Category.TAX;
            case CREDIT_ITEM -> FocusCharge.Category.CREDIT;
            default -> FocusCharge.Category.ADJUSTMENT;
        };
    }

    /** The item of a bill's tax lines (the bill's line type, lower case). */
    static final String TAX_ITEM = "tax";
    /** The item of a bill's credit lines (the bill's line type, lower case). */
    static final String CREDIT_ITEM = "credit";

    /**
     * One line per provider for the board report: "matched within X %" when the unexplained share is within the
     * threshold, else the unexplained amount; plus what was billed but not metered, and the compared days the bill has
     * no cost data for with the metered cost on them that was not compared (so a bill of one day never reads as a
     * match through the month's end). A provider without a bill is stated as "no bill data", never left out.
     */
    public static List<String> status(Reconciliation r) {
        return status(r, Map.of());
    }

    /** As {@link #status(Reconciliation)}, with why each provider without a bill has none, where known. */
    public static List<String> status(Reconciliation r, Map<BillSource, String> noBillData) {
        List<String> out = new ArrayList<>();
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = r == null ? null : r.totals().get(s);
            if (t == null) {
                out.add(noBillData(s, noBillData.get(s)));
                continue;
            }
            String head = s.id() + ": " + Money.usd(t.billedUsd()) + " billed";
            String verdict = t.unexplainedPercent().compareTo(r.thresholdPercent()) <= 0
                    ? "matched within "
                            + t.unexplainedPercent()
                                    .setScale(1, RoundingMode.HALF_UP)
                                    .toPlainString() + " %"
                    : Money.usd(t.unexplainedAbsUsd()) + " unexplained, sum of |lines| ("
                            + t.unexplainedPercent()
                                    .setScale(1, RoundingMode.HALF_UP)
                                    .toPlainString() + " %)";
            BigDecimal unmetered = t.neverMeteredUsd().add(t.notSeenUsd());
            out.add(head + ", " + verdict
                    + (unmetered.signum() != 0 ? "; " + Money.usd(unmetered) + " not metered by the gateway" : "")
                    + " (through " + r.through() + ")"
                    + withoutCostData(r, t));
        }
        return out;
    }

    /**
     * "; no provider data for 2026-11-02..2026-11-30: $0.99 metered on those days not compared", or empty when the
     * bill covers every compared day.
     */
    private static String withoutCostData(Reconciliation r, Reconciliation.Totals t) {
        String days = r.daysWithoutCostDataText(t.source());
        if (days.isEmpty()) {
            return "";
        }
        return "; no provider data for " + days
                + (t.meteredWithoutProviderDataUsd().signum() != 0
                        ? ": " + Money.usd(t.meteredWithoutProviderDataUsd()) + " metered on those days not compared"
                        : "");
    }

    /** The status line of a provider without a bill. */
    public static String noBillData(BillSource s, String reason) {
        return s.id() + ": " + NO_BILL_DATA + (reason == null ? "" : " (" + reason + ")");
    }

    /** The words the board report uses for a provider without a bill. */
    public static final String NO_BILL_DATA = "no bill data";
}
