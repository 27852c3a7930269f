package dev.spendgate.report.email;

import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.Narrative;
import dev.spendgate.report.pdf.ReconciliationSection;
import java.util.ArrayList;
import java.util.List;

/**
 * The report email's subject and text, which finance reads before (or instead of) the files: the total the files
 * carry, and what it rests on stated right after the headline as the PDF's first page states it.
 */
public final class ReportEmailText {
    private ReportEmailText() {}

    /**
     * "AI spend report November 2026: $0.89"; with provider bills the total the FOCUS and chargeback files carry,
     * "AI spend report November 2026: $132.78 with provider bills ($119.05 metered)". A preview of the running month
     * says its figure is spend to date, as its text and PDF do: "AI spend report December 2026 to date (day 10 of 31):
     * $0.42". Every subject starts "AI spend report" and the month, which mail rules filter on.
     *
     * @param beyond the report's reconciliation with the provider bills; null without bills
     */
    public static String subject(MonthlyFigures f, DataQuality quality, ReconciliationSection.Figures beyond) {
        String s = "AI spend report " + Narrative.monthName(f.month()) + toDate(f, quality) + ": ";
        if (quality.noData()) {
            return s + "no usage data"
                    + (beyond == null
                            ? ""
                            : "; " + Money.usd(ReconciliationSection.withBillsUsd(beyond, f.totalUsd()))
                                    + " with provider bills");
        }
        if (beyond == null) {
            return s + Money.usd(f.totalUsd());
        }
        return s + Money.usd(ReconciliationSection.withBillsUsd(beyond, f.totalUsd())) + " with provider bills ("
                + Money.usd(f.totalUsd()) + " metered)";
    }

    /**
     * The narrative's paragraphs, the first (the headline with the total) followed by what it rests on: with provider
     * bills the total with them, as the PDF's first page gives it; the month's data quality line whenever part of the
     * total is estimated or records were damaged or quarantined.
     *
     * @param beyond the report's reconciliation with the provider bills; null without bills
     */
    public static String body(
            List<String> narrative, MonthlyFigures f, DataQuality quality, ReconciliationSection.Figures beyond) {
        List<String> basis = new ArrayList<>();
        if (beyond != null) {
            basis.add(ReconciliationSection.totalLine(beyond, f.totalUsd()) + ". "
                    + ReconciliationSection.unmeteredLine(beyond) + " (reconciliation.csv).");
        }
        if (qualityMatters(quality)) {
            basis.add(quality.summaryLine());
        }
        List<String> p = new ArrayList<>();
        if (!narrative.isEmpty()) {
            p.add(narrative.get(0));
        }
        p.addAll(basis);
        if (narrative.size() > 1) {
            p.addAll(narrative.subList(1, narrative.size()));
        }
        return String.join("\n\n", p);
    }

    /** " to date (day 10 of 31)" for the running month; empty for a finished (or not yet begun) one. */
    static String toDate(MonthlyFigures f, DataQuality quality) {
        if (quality.state() != DataQuality.MonthState.RUNNING) {
            return "";
        }
        return " to date"
                + (f.toDate() == null
                        ? ""
                        : " (day " + (f.toDate().days() + 1) + " of "
                                + f.month().lengthOfMonth() + ")");
    }

    /** True when the total rests on estimates or left damaged or quarantined records out. */
    static boolean qualityMatters(DataQuality quality) {
        return quality != null && (quality.estimatedCalls() > 0 || quality.damagedOrQuarantined());
    }
}
