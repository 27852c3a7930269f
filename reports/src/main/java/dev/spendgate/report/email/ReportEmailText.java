package dev.spendgate.report.email;

import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.Narrative;
import dev.spendgate.report.MonthManifest;
import dev.spendgate.report.pdf.ReconciliationSection;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The report email's subject and text, which finance reads before (or instead of) the files: the total the files
 * carry, and what it rests on stated right after the headline as the PDF's first page states it. A run that replaces
 * the month's files with other figures says so in both, as a correction of the earlier email.
 */
public final class ReportEmailText {
    private ReportEmailText() {}

    /**
     * An earlier run of the month this run's figures replace: when it was generated and the FOCUS BilledCost total its
     * files (and email) carried, beside this run's.
     */
    public record Correction(Instant earlierGeneratedAt, BigDecimal earlierTotalUsd, BigDecimal totalUsd) {}

    /**
     * The month's email already sent, as its sent marker ({@code email-sent.json}) records it: when, for which month
     * state ({@code complete}, {@code running}, {@code future}) and the FOCUS BilledCost total it carried; {@code
     * sentAt} and {@code billedCostUsd} are null where the marker does not record them (one written before the total
     * was, or unreadable).
     */
    public record SentEmail(Instant sentAt, String monthState, BigDecimal billedCostUsd) {}

    /**
     * The correction this run's email makes, or null. Only an email that follows one already sent for the month
     * ({@code sent}; null when none was, such as after {@code --no-email} or a send the mail service refused) for the
     * same month state corrects anything: finance holds that one. It corrects it when the total that email carried
     * differs from this run's ({@code billedUsd}). A marker that does not record the total is compared, as before it
     * did, with the month's last run ({@code replaced}, from its manifest; see {@link #correction}).
     */
    public static Correction emailCorrection(
            SentEmail sent, MonthManifest.Run replaced, DataQuality.MonthState state, BigDecimal billedUsd) {
        if (sent == null || !state.key().equals(sent.monthState())) {
            return null;
        }
        if (sent.billedCostUsd() == null || sent.sentAt() == null) {
            return correction(replaced, state, billedUsd);
        }
        if (billedUsd.compareTo(sent.billedCostUsd()) == 0) {
            return null;
        }
        return new Correction(sent.sentAt(), sent.billedCostUsd(), billedUsd);
    }

    /**
     * The files this run replaces with other figures, or null: the month's last run ({@code replaced}, from its manifest) was of the
     * same month state (a complete month after a complete month, a preview after a preview) and its FOCUS BilledCost
     * total differs from this run's ({@code billedUsd}), because records arrived since or prices changed. A complete
     * month after its preview, or a re-run with the same total, corrects nothing. Whether the email is a correction is
     * {@link #emailCorrection}'s rule: files written without an email were never finance's.
     */
    public static Correction correction(
            MonthManifest.Run replaced, DataQuality.MonthState state, BigDecimal billedUsd) {
        if (replaced == null
                || !state.key().equals(replaced.monthState())
                || billedUsd.compareTo(replaced.billedCostUsd()) == 0) {
            return null;
        }
        return new Correction(replaced.generatedAt(), replaced.billedCostUsd(), billedUsd);
    }

    /**
     * As {@link #subject(MonthlyFigures, DataQuality, ReconciliationSection.Figures)}, marked "(correction)" after the
     * month when the run corrects an earlier email ({@code correction} not null): "AI spend report November 2026
     * (correction): $0.42". The mark follows the month, so the subject still starts "AI spend report" and the month,
     * as every report subject does for mail rules.
     */
    public static String subject(
            MonthlyFigures f, DataQuality quality, ReconciliationSection.Figures beyond, Correction correction) {
        return subject(f, quality, beyond, correction == null ? "" : " (correction)");
    }

    /**
     * As {@link #body(List, MonthlyFigures, DataQuality, ReconciliationSection.Figures)}, opened, when the run replaces
     * an earlier one's other figures, by what it corrects: "This replaces the report of 2026-12-02T06:00:00Z, which
     * totalled $0.21; now $0.42."
     */
    public static String body(
            List<String> narrative,
            MonthlyFigures f,
            DataQuality quality,
            ReconciliationSection.Figures beyond,
            Correction correction) {
        String body = body(narrative, f, quality, beyond);
        if (correction == null) {
            return body;
        }
        return "This replaces the report of " + correction.earlierGeneratedAt() + ", which totalled "
                + Money.usd(correction.earlierTotalUsd()) + "; now " + Money.usd(correction.totalUsd()) + "."
                + (body.isEmpty() ? "" : "\n\n" + body);
    }

    /**
     * "AI spend report November 2026: $0.89"; with provider bills the total the FOCUS and chargeback files carry,
     * "AI spend report November 2026: $132.78 with provider bills ($119.05 metered)". A preview of the running month
     * says its figure is spend to date, as its text and PDF do: "AI spend report December 2026 to date (day 10 of 31):
     * $0.42". Every subject starts "AI spend report" and the month, which mail rules filter on (a correction's too).
     *
     * @param beyond the report's reconciliation with the provider bills; null without bills
     */
    public static String subject(MonthlyFigures f, DataQuality quality, ReconciliationSection.Figures beyond) {
        return subject(f, quality, beyond, "");
    }

    private static String subject(
            MonthlyFigures f, DataQuality quality, ReconciliationSection.Figures beyond, String mark) {
        String s = "AI spend report " + Narrative.monthName(f.month()) + toDate(f, quality) + mark + ": ";
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
