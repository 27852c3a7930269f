package dev.spendgate.report.pdf;

import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.report.gatewaycost.BoardAmounts;
import dev.spendgate.report.pdf.PdfLayout.Fonts;
import dev.spendgate.report.reconcile.ProviderBillRows;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The month's reconciliation with the providers' bills in the board report: a total on page 1 that includes what
 * the providers billed beyond the gateway's metering (kept apart from the metered figure), and a section with metered
 * vs billed per provider, the unmetered spend per provider account, and the match status.
 */
public final class ReconciliationSection {
    private ReconciliationSection() {}

    /**
     * What a report's reconciliation adds to its figures: the provider-bill FOCUS rows and their total, and the records
     * the report quarantined ({@code leftOut}, a sentence of counts by reason, as {@code ReconcileRun.leftOut} gives
     * it; empty for none): calls the gateway forwarded and the providers billed, in no metered figure.
     */
    public record Figures(
            Reconciliation reconciliation,
            List<FocusCharge> billRows,
            Map<BillSource, String> noBillData,
            String leftOut) {
        public Figures {
            billRows = List.copyOf(billRows);
            noBillData = noBillData == null ? Map.of() : Map.copyOf(noBillData);
            leftOut = leftOut == null ? "" : leftOut;
        }

        public Figures(Reconciliation reconciliation, List<FocusCharge> billRows, Map<BillSource, String> noBillData) {
            this(reconciliation, billRows, noBillData, "");
        }

        public Figures(Reconciliation reconciliation, List<FocusCharge> billRows) {
            this(reconciliation, billRows, Map.of());
        }

        /** Provider-billed amounts beyond the metering: the sum of the {@code provider_bill} FOCUS rows. */
        public BigDecimal beyondMeteringUsd() {
            return billRows.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        /** Never-metered items and traffic not seen by the gateway, over every provider. */
        public BigDecimal unmeteredUsd() {
            return reconciliation.totals().values().stream()
                    .map(ProviderBillRows::unmeteredUsd)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    /**
     * Page 1: the total finance pays, with the metered and the provider-billed parts apart, and the match status. The
     * line is an equation a reader checks by hand, so it adds up as printed: the total is the exact sum rounded once
     * (as the FOCUS file totals it), the metered part is the headline as printed, and the billed part is the rest (at
     * most a cent from its own rounding).
     */
    public static BoardReportPdf.Section summary(Figures r) {
        return (PdfLayout out, MonthlyFigures f) -> {
            // 9.5 pt: the equation fits on one line of the page at usual amounts (a longer one wraps)
            out.text(Fonts.BOLD, 9.5f, totalLine(r, f.totalUsd()));
            out.text(Fonts.REGULAR, 9, unmeteredLine(r) + " (see \"Reconciliation with provider bills\").");
            for (String s : ProviderBillRows.status(r.reconciliation(), r.noBillData())) {
                out.text(Fonts.REGULAR, 8.5f, "  " + s);
            }
            out.gap(4);
        };
    }

    /**
     * The total with the provider bills as an equation that adds up as printed, "Total with provider bills: $132.78 =
     * $119.05 metered by the gateway + $13.73 billed by providers beyond it": the total is the exact sum rounded once (as
     * the FOCUS file totals it), the metered part is the headline as printed, the billed part the rest.
     */
    public static String totalLine(Figures r, BigDecimal meteredUsd) {
        BigDecimal total = withBillsUsd(r, meteredUsd);
        BigDecimal metered = meteredUsd.setScale(2, RoundingMode.HALF_UP);
        return "Total with provider bills: " + Money.usd(total) + " = " + Money.usd(metered)
                + " metered by the gateway + " + Money.usd(total.subtract(metered)) + " billed by providers beyond it";
    }

    /** The total with the provider bills, the exact sum rounded to the cent once, as the FOCUS file totals it. */
    public static BigDecimal withBillsUsd(Figures r, BigDecimal meteredUsd) {
        return meteredUsd.add(r.beyondMeteringUsd()).setScale(2, RoundingMode.HALF_UP);
    }

    /**
     * What of the bills the gateway never metered, and the day the reconciliation runs through. When the report
     * quarantined records, their calls went through the gateway and the providers billed them, so that amount may
     * hold them too: it says so, naming them.
     */
    public static String unmeteredLine(Figures r) {
        String what = r.leftOut().isEmpty()
                ? " never went through the gateway (traffic around it, batch, storage, tools)"
                : " is in no metered figure: traffic around the gateway (batch, storage, tools), and it may include"
                        + " calls the gateway forwarded whose records the report quarantined (" + r.leftOut()
                        + ", left out of every total)";
        return "Of that, " + Money.usd(r.unmeteredUsd()) + what + "; reconciled through "
                + r.reconciliation().through();
    }

    /**
     * Page 1 when provider bills were asked for but none has data for the month: each provider stated as "no bill
     * data" (with why, where known), so a missing reconciliation is never silent.
     */
    public static BoardReportPdf.Section noBills(Map<BillSource, String> noBillData) {
        return (PdfLayout out, MonthlyFigures f) -> {
            out.text(
                    Fonts.BOLD,
                    10,
                    "Reconciliation with provider bills: no bill data for any provider; the total is the metered cost"
                            + " only");
            for (BillSource s : BillSource.values()) {
                out.text(Fonts.REGULAR, 8.5f, "  " + ProviderBillRows.noBillData(s, noBillData.get(s)));
            }
            out.gap(4);
        };
    }

    /** The full section: per provider, then unmetered spend per provider account, then warnings. */
    public static BoardReportPdf.Section details(Figures r) {
        return (PdfLayout out, MonthlyFigures f) -> write(out, r);
    }

    private static void write(PdfLayout out, Figures r) throws IOException {
        Reconciliation rec = r.reconciliation();
        out.heading("Reconciliation with provider bills");
        out.paragraph("Each provider's own cost data compared with the gateway's metered cost per UTC day, provider and"
                + " model, through " + rec.through() + ". Billed = metered + not seen by the gateway + never metered"
                + " + estimates settled by the bill + price drift + rounding + unexplained, to the cent. Unexpl. is the lines' unexplained differences"
                + " summed with their signs; Sum |lines| sums them as absolute values, so opposite lines do not cancel,"
                + " and the status rests on it. Threshold: Sum |lines| at most "
                + rec.thresholdPercent().stripTrailingZeros().toPlainString() + " % of a provider's bill.");
        List<String[]> rows = new ArrayList<>();
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = rec.totals().get(s);
            if (t == null) {
                rows.add(new String[] {s.id(), ProviderBillRows.NO_BILL_DATA, "", "", "", "", "", "", "-"});
                continue;
            }
            boolean matched = t.unexplainedPercent().compareTo(rec.thresholdPercent()) <= 0;
            rows.add(new String[] {
                s.id(),
                Money.usd(t.billedUsd()),
                Money.usd(t.meteredUsd().subtract(t.meteredWithoutProviderDataUsd())),
                Money.usd(t.notSeenUsd()),
                Money.usd(t.neverMeteredUsd()),
                Money.usd(t.priceDriftUsd()),
                Money.usd(t.unexplainedUsd()),
                // the verdict rests on the absolute sum: opposite lines do not cancel
                Money.usd(t.unexplainedAbsUsd()),
                matched ? "matched" : "CHECK"
            });
        }
        out.table(
                rows,
                new float[] {44, 59, 59, 58, 58, 58, 58, 59, 42},
                "Provider",
                "Billed",
                "Metered",
                "Not seen",
                "Never met.",
                "Drift",
                "Unexpl.",
                "Sum |lines|",
                "Status");
        // calls the gateway charged at an estimate (a worst case reserved, a cut stream's own count): the bill says
        // what they cost, which is neither traffic it did not see nor a catalog price off
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = rec.totals().get(s);
            if (t != null && t.estimateSettledUsd().signum() != 0) {
                out.text(
                        Fonts.REGULAR,
                        8.5f,
                        "  " + s.id() + ": estimates settled by the bill " + Money.usd(t.estimateSettledUsd())
                                + " (calls the gateway charged at an estimate, billed at what they cost)");
            }
        }
        Map<String, BigDecimal> byAccount = new TreeMap<>();
        for (FocusCharge c : r.billRows()) {
            String cls = c.tags().get(ProviderBillRows.CLASS_TAG);
            if (!"never_metered".equals(cls) && !"not_seen_by_gateway".equals(cls)) {
                continue;
            }
            String account = c.tags().getOrDefault(ProviderBillRows.ACCOUNT_TAG, "(not named)");
            byAccount.merge(c.provider() + "\u0000" + account + "\u0000" + cls, c.billedCost(), BigDecimal::add);
        }
        if (!byAccount.isEmpty()) {
            out.heading("Spend not metered by the gateway, per provider account");
            // the rows add up to the Total row as printed (largest remainder)
            BoardAmounts shown = BoardAmounts.of(List.copyOf(byAccount.values()));
            List<String[]> lines = new ArrayList<>();
            int i = 0;
            for (String key : byAccount.keySet()) {
                String[] k = key.split("\u0000");
                lines.add(new String[] {
                    k[0], k[1], k[2].replace('_', ' '), Money.usd(shown.parts().get(i++))
                });
            }
            lines.add(new String[] {"Total", "", "", Money.usd(shown.total())});
            out.table(lines, new float[] {80, 215, 120, 80}, "Provider", "Account", "Why", "Amount");
        }
        for (BillSource s : BillSource.values()) {
            if (!rec.totals().containsKey(s) && r.noBillData().get(s) != null) {
                out.text(
                        Fonts.REGULAR,
                        8,
                        ProviderBillRows.noBillData(s, r.noBillData().get(s)));
            }
        }
        for (String w : rec.warnings().stream().limit(6).toList()) {
            out.text(Fonts.REGULAR, 8, "Warning: " + w);
        }
        out.text(
                Fonts.REGULAR,
                8,
                "The FOCUS file carries these amounts as rows tagged x_CostSource=provider_bill, apart from the metered"
                        + " rows.");
    }
}
