package dev.spendgate.report.pdf;

import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.Narrative;
import dev.spendgate.domain.report.Recovery;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.usage.UnpricedCause;
import dev.spendgate.report.pdf.PdfLayout.Fonts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;

/**
 * Renders the board report ({@code board-report.pdf}) from {@link MonthlyFigures}: headline and change, the
 * narrative, the daily trend chart, top features / departments / models, budgets, waste and the AI Efficiency Score,
 * model efficiency and cost per outcome. Standard PDF fonts only, so the file is small and text-extractable.
 */
public final class BoardReportPdf {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private BoardReportPdf() {}

    public static byte[] render(MonthlyFigures f) {
        return render(f, Narrative.of(f), null, null);
    }

    /** Renders with the given narrative paragraphs and an optional note on where they come from. */
    public static byte[] render(MonthlyFigures f, List<String> narrative, String narrativeNote) {
        return render(f, narrative, narrativeNote, null);
    }

    /**
     * One part of the report, written in order through the layout. Sections after the standard ones can be added
     * with {@link #render(MonthlyFigures, List, String, DataQuality, List)}.
     */
    @FunctionalInterface
    public interface Section {
        void write(PdfLayout out, MonthlyFigures f) throws IOException;
    }

    /** As above, with what the figures rest on (a line on page 1 and a note at the end); null when unknown. */
    public static byte[] render(MonthlyFigures f, List<String> narrative, String narrativeNote, DataQuality quality) {
        return render(f, narrative, narrativeNote, quality, List.of());
    }

    /** As above, with {@code extra} sections written after the standard ones and before the data-quality note. */
    public static byte[] render(
            MonthlyFigures f, List<String> narrative, String narrativeNote, DataQuality quality, List<Section> extra) {
        return render(f, narrative, narrativeNote, quality, List.of(), extra);
    }

    /**
     * As above, with {@code front} sections written on page 1 right after the KPI tiles (e.g. the top actions box),
     * and {@code extra} sections after the standard ones.
     */
    public static byte[] render(
            MonthlyFigures f,
            List<String> narrative,
            String narrativeNote,
            DataQuality quality,
            List<Section> front,
            List<Section> extra) {
        try (PDDocument doc = new PDDocument()) {
            PDDocumentInformation info = doc.getDocumentInformation();
            info.setTitle("Spendgate AI spend report " + f.month());
            info.setCreator("Spendgate");
            Calendar at = new GregorianCalendar(TimeZone.getTimeZone(ZoneOffset.UTC));
            at.setTimeInMillis(f.month()
                    .plusMonths(1)
                    .atDay(1)
                    .atStartOfDay(ZoneOffset.UTC)
                    .toInstant()
                    .toEpochMilli());
            info.setCreationDate(at);
            PdfLayout out = new PdfLayout(doc);
            out.title("AI spend report: " + Narrative.monthName(f.month()));
            out.text(Fonts.REGULAR, 9, "Produced by Spendgate from the usage log. Amounts in USD; days are UTC.");
            if (quality != null && quality.noData()) {
                noData(out, f, quality);
            } else {
                List<Section> sections = new ArrayList<>(standardSections(narrative, narrativeNote, quality));
                sections.addAll(2, front); // after the headline and the KPI tiles
                sections.addAll(extra);
                for (Section section : sections) {
                    section.write(out, f);
                }
            }
            if (quality != null) {
                qualityNote(out, quality);
            }
            out.close();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            doc.save(bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the board report", e);
        }
    }

    /** A month without usage: said plainly, with no $0 headline, chart or budget verdict. */
    private static void noData(PdfLayout out, MonthlyFigures f, DataQuality q) throws IOException {
        out.gap(8);
        String month = Narrative.monthName(f.month());
        if (q.state() != DataQuality.MonthState.FUTURE && q.damagedOrQuarantined()) {
            // usage was there and could not be used: its spend is unknown, which "no usage" would hide
            out.text(Fonts.BOLD, 16, "The usage log of " + month + " could not be read: its spend is unknown.");
            out.gap(4);
            out.paragraph("Every usage record that reached the report was damaged or left out (below), so this report"
                    + " states no spend, no change, no budget status and no waste: they would read $0 where the spend"
                    + " is not known. Repair or restore the damaged usage objects and run the report again.");
            out.text(Fonts.REGULAR, 9, q.summaryLine());
            return;
        }
        out.text(
                Fonts.BOLD,
                16,
                switch (q.state()) {
                    case FUTURE -> month + " has not started: there is no usage to report.";
                    case RUNNING -> "No usage has been recorded in " + month + " so far.";
                    case COMPLETE -> "No usage was recorded in " + month + ".";
                });
        out.gap(4);
        out.paragraph("There are no figures for this month, so this report states no spend, no change, no budget status"
                + " and no waste. If calls were made through Spendgate in " + month
                + ", their usage log did not reach the report (see the data-quality note below).");
        out.text(Fonts.REGULAR, 9, q.summaryLine());
    }

    static List<Section> standardSections(List<String> narrative, String narrativeNote, DataQuality quality) {
        List<Section> sections = new ArrayList<>();
        sections.add((out, f) -> headline(out, f, quality));
        sections.add((out, f) -> kpis(out, f, quality));
        sections.add(BoardReportPdf::pictures);
        sections.add((out, f) -> {
            out.heading("Summary");
            for (String paragraph : narrative) {
                out.paragraph(paragraph);
            }
            if (narrativeNote != null) {
                out.text(Fonts.REGULAR, 8, narrativeNote);
            }
        });
        sections.add((out, f) -> {
            out.heading("Daily spend (USD per UTC day)");
            dailyChart(out, f);
        });
        sections.add(BoardReportPdf::tops);
        sections.add(BoardReportPdf::budgets);
        sections.add(BoardReportPdf::waste);
        sections.add(BoardReportPdf::models);
        sections.add((out, f) -> outcomes(out, f, quality));
        return sections;
    }

    private static void headline(PdfLayout out, MonthlyFigures f, DataQuality quality) throws IOException {
        out.gap(8);
        out.text(Fonts.BOLD, 26, Money.usd(f.totalUsd()));
        String toDate = Narrative.toDate(f);
        String partial = Narrative.previousPartial(f);
        String change = f.changePercent() == null
                ? "No spend recorded in " + Narrative.monthName(f.month().minusMonths(1)) + " to compare with"
                : Money.signedPercent(f.changePercent()) + " vs "
                        + Narrative.monthName(f.month().minusMonths(1)) + " (" + Money.usd(f.previousTotalUsd())
                        + (partial == null ? "" : ", " + partial) + ")"
                        + (toDate == null ? "" : ": " + toDate + (partial == null ? " against a whole month" : ""));
        out.text(Fonts.REGULAR, 11, change + "  |  " + String.format(Locale.ROOT, "%,d", f.calls()) + " calls");
        String sameDays = f.changePercent() == null ? null : Narrative.sameDays(f);
        if (sameDays != null) {
            out.text(Fonts.REGULAR, 10, "Like for like: " + sameDays);
        }
        if (f.forecast() != null && !f.forecast().complete()) {
            out.text(
                    Fonts.REGULAR,
                    10,
                    "Month-end forecast: "
                            + (f.forecast().forecastUsd() == null
                                    ? "not yet"
                                    : Money.usd(f.forecast().forecastUsd()))
                            + " (" + f.forecast().method() + ")");
        }
        if (quality != null) {
            out.text(Fonts.REGULAR, 9, quality.summaryLine());
        }
        out.gap(10);
    }

    /** Six tiles a board member reads first. */
    private static void kpis(PdfLayout out, MonthlyFigures f, DataQuality q) throws IOException {
        List<String[]> tiles = new ArrayList<>();
        tiles.add(new String[] {
            "Spend this month",
            Money.usd(f.totalUsd()),
            String.format(Locale.ROOT, "%,d", f.calls()) + " calls" + (f.toDate() == null ? "" : ", to date")
        });
        tiles.add(changeTile(f));
        MonthlyFigures.Forecast fc = f.forecast();
        tiles.add(new String[] {
            "Month-end forecast",
            fc == null || fc.forecastUsd() == null ? "n/a" : Money.usd(fc.forecastUsd()),
            fc == null ? "" : fc.complete() ? "month complete: actual" : "run rate of the last 7 complete days"
        });
        MonthlyFigures.BudgetLine top = f.budgets().stream()
                .filter(b -> b.usedPercent() != null)
                .max(java.util.Comparator.comparing(MonthlyFigures.BudgetLine::usedPercent))
                .orElse(null);
        tiles.add(new String[] {
            "Budget used (highest)",
            top == null ? "no budgets" : Money.percent(top.usedPercent()),
            top == null ? "" : top.scope() + " of " + Money.usd(top.limitUsd())
        });
        WasteSummary w = f.waste();
        tiles.add(new String[] {
            "Waste recoverable / month", w == null ? "n/a" : Money.usd(w.totalRecoverableUsd()), wasteNote(f)
        });
        tiles.add(new String[] {
            "Data quality",
            q == null ? "n/a" : q.damagedOrQuarantined() ? "ISSUES" : q.recordsChecked() ? "OK" : "unchecked",
            q == null
                    ? ""
                    : q.damagedObjects() + " damaged, " + q.unreadableRecords() + " unreadable, " + q.quarantinedCount()
                            + " quarantined"
        });
        out.tiles(tiles);
    }

    /**
     * The change tile. A running month compared with the same days of the previous month, the whole previous month as
     * the note (spend to date against a whole month would read as a fall that did not happen).
     */
    private static String[] changeTile(MonthlyFigures f) {
        String previous = Narrative.monthName(f.month().minusMonths(1));
        MonthlyFigures.ToDate t = f.toDate();
        if (f.changePercent() != null && t != null && t.changePercent() != null) {
            YearMonth before = f.month().minusMonths(1);
            String month = before.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            return new String[] {
                "Change vs " + month + " 1-" + Math.min(t.days(), before.lengthOfMonth()) + " (same days)",
                Money.signedPercent(t.changePercent()),
                (f.previousFrom() == null
                                ? "whole " + month
                                : month + " from the " + f.previousFrom().getDayOfMonth())
                        + " " + Money.usd(f.previousTotalUsd()) + ": " + Money.signedPercent(f.changePercent())
                        + " to date"
            };
        }
        String partial = Narrative.previousPartial(f);
        return new String[] {
            "Change vs " + previous,
            f.changePercent() == null ? "n/a" : Money.signedPercent(f.changePercent()),
            f.previousTotalUsd() == null
                    ? "no spend to compare with"
                    : partial != null
                            ? "from " + Money.usd(f.previousTotalUsd()) + ": " + partial
                            : t == null
                                    ? "from " + Money.usd(f.previousTotalUsd())
                                    : "to date, against the whole " + Money.usd(f.previousTotalUsd())
        };
    }

    /**
     * The waste tile's note: recoverable waste per month as a share of a month's spend (in a running month, of the
     * month-end forecast: spend to date would overstate it).
     */
    private static String wasteNote(MonthlyFigures f) {
        WasteSummary w = f.waste();
        if (w == null || f.totalUsd().signum() == 0) {
            return "no waste analysis";
        }
        if (f.toDate() == null) {
            return Money.percent(Money.share(w.totalRecoverableUsd(), f.totalUsd())) + " of this month's spend";
        }
        BigDecimal forecast = f.forecast().forecastUsd();
        return forecast == null || forecast.signum() == 0
                ? "month just begun: no month's spend yet"
                : Money.percent(Money.share(w.totalRecoverableUsd(), forecast)) + " of the month-end forecast";
    }

    /** Spend by department and feature, budget burn against the month's pace, waste by category: vector bars. */
    private static void pictures(PdfLayout out, MonthlyFigures f) throws IOException {
        out.heading("Spend by department");
        sharesBars(out, f.topDepartments());
        out.heading("Spend by feature");
        sharesBars(out, f.topFeatures());
        if (!f.budgets().isEmpty()) {
            BigDecimal pace = f.forecast() == null || f.forecast().complete()
                    ? BigDecimal.valueOf(100)
                    : BigDecimal.valueOf(100L * f.forecast().completeDays())
                            .divide(BigDecimal.valueOf(f.month().lengthOfMonth()), 1, java.math.RoundingMode.HALF_UP);
            out.heading("Budget burn against the month's pace (" + Money.percent(pace) + ", red line)");
            List<String> labels = new ArrayList<>();
            List<BigDecimal> values = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            for (MonthlyFigures.BudgetLine b : f.budgets()) {
                if (b.usedPercent() != null) {
                    labels.add(b.scope());
                    values.add(b.usedPercent());
                    shown.add(Money.percent(b.usedPercent()) + " used");
                }
            }
            out.bars(labels, values, shown, pace);
        }
        if (f.waste() != null) {
            out.heading("Waste recoverable per month by category");
            List<String> labels = new ArrayList<>();
            List<BigDecimal> values = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            for (WasteSummary.Category c : f.waste().categories()) {
                labels.add(c.name());
                values.add(c.recoverableUsd());
                shown.add(Money.usd(c.recoverableUsd()));
            }
            out.bars(labels, values, shown, null);
        }
    }

    private static void sharesBars(PdfLayout out, List<MonthlyFigures.Share> shares) throws IOException {
        List<String> labels = new ArrayList<>();
        List<BigDecimal> values = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (MonthlyFigures.Share s : shares) {
            labels.add(s.name());
            values.add(s.costUsd());
            shown.add(Money.usd(s.shownUsd()) + " (" + Money.percent(s.percent()) + ")");
        }
        out.bars(labels, values, shown, null);
    }

    private static void tops(PdfLayout out, MonthlyFigures f) throws IOException {
        out.newPage();
        out.title("Appendix: tables");
        out.heading("Top features");
        out.table(shares(f.topFeatures()), new float[] {220, 100, 80, 80}, "Feature", "Spend", "Share", "Calls");
        out.heading("Top departments");
        out.table(shares(f.topDepartments()), new float[] {220, 100, 80, 80}, "Department", "Spend", "Share", "Calls");
        out.heading("Top models");
        out.table(shares(f.topModels()), new float[] {220, 100, 80, 80}, "Model", "Spend", "Share", "Calls");
    }

    private static void budgets(PdfLayout out, MonthlyFigures f) throws IOException {
        out.heading("Budget status (monthly budgets)");
        if (f.budgets().isEmpty()) {
            out.paragraph("No monthly budgets were set.");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        boolean running = f.forecast() != null && !f.forecast().complete();
        for (MonthlyFigures.BudgetLine b : f.budgets()) {
            rows.add(new String[] {
                b.scope(),
                Money.usd(b.limitUsd()),
                Money.usd(b.spentUsd()),
                b.usedPercent() == null ? "-" : Money.percent(b.usedPercent()),
                signedUsd(b.varianceUsd())
                        + (b.variancePercent() == null ? "" : " (" + Money.signedPercent(b.variancePercent()) + ")"),
                running ? (b.forecastUsd() == null ? "-" : Money.usd(b.forecastUsd())) : (b.over() ? "OVER" : "within")
            });
        }
        out.table(
                rows,
                new float[] {135, 70, 70, 50, 100, 70},
                "Budget",
                "Limit",
                "Actual",
                "Used",
                "Variance",
                running ? "Forecast" : "Status");
        out.text(
                Fonts.REGULAR,
                8,
                "Variance = actual - limit (negative: under budget), and as a share of the limit. Limit: the one in"
                        + " force at the month's end, as the gateway enforced it."
                        + (running ? " Forecast: " + f.forecast().method() + "." : ""));
        for (MonthlyFigures.BudgetLine b : f.budgets()) {
            if (b.limitNote() != null) {
                out.text(Fonts.REGULAR, 8, b.scope() + ": " + b.limitNote() + " (changed within the month).");
            }
        }
    }

    private static void waste(PdfLayout out, MonthlyFigures f) throws IOException {
        out.heading("Waste and AI Efficiency Score");
        WasteSummary waste = f.waste();
        if (waste == null) {
            out.paragraph("No waste analysis for this month.");
            return;
        }
        out.paragraph("AI Efficiency Score: "
                + (waste.efficiencyScore() == null ? "not computed" : waste.efficiencyScore() + " / 100")
                + "  (from the " + waste.source() + ")");
        List<String[]> rows = new ArrayList<>();
        for (WasteSummary.Category c : waste.categories()) {
            rows.add(new String[] {
                c.name(),
                waste.recoveryKnown() ? Money.usd(c.recoveredUsd()) : "-",
                Money.usd(c.recoverableUsd()),
                Money.usd(c.atRiskUsd())
            });
        }
        rows.add(new String[] {
            "Total",
            waste.recoveryKnown() ? Money.usd(waste.totalRecoveredUsd()) : "-",
            Money.usd(waste.totalRecoverableUsd()),
            Money.usd(waste.totalAtRiskUsd())
        });
        out.table(
                rows,
                new float[] {150, 115, 120, 110},
                "Category",
                "Recovered / month",
                "Recoverable / month",
                "At risk / month");
        out.text(
                Fonts.REGULAR,
                8,
                (waste.recoveryKnown()
                                ? "Recovered: measured per resolved finding in its own scope (cost per call before"
                                        + " the fix against after, x calls per month after); open findings recover"
                                        + " nothing."
                                : "Recovered: not measured yet (no earlier analysis to follow findings from).")
                        + " Recoverable total: each call counted once; several findings may name the same calls,"
                        + " so the categories can add up to more.");
        if (!waste.recovery().isEmpty()) {
            List<String[]> lines = new ArrayList<>();
            for (Recovery.Line l : waste.recovery()) {
                lines.add(new String[] {
                    l.findingId(),
                    l.status().key(),
                    l.resolvedAt() == null ? "-" : l.resolvedAt().toString().substring(0, 10),
                    l.recoveredMonthlyUsd() == null ? "not measured" : Money.usd(l.recoveredMonthlyUsd())
                });
            }
            out.table(lines, new float[] {290, 60, 70, 75}, "Resolved finding", "Status", "Fixed on", "Recovered / mo");
        }
    }

    private static void models(PdfLayout out, MonthlyFigures f) throws IOException {
        out.heading("Model efficiency");
        List<String[]> models = new ArrayList<>();
        for (MonthlyFigures.ModelEfficiency m : f.models()) {
            models.add(new String[] {
                m.provider() + " / " + m.model(),
                String.format(Locale.ROOT, "%,d", m.calls()),
                Money.usd(m.costUsd()),
                m.costPerCallUsd() == null ? "-" : Money.usd(m.costPerCallUsd(), 4),
                m.inputPerMillionUsd() == null ? "-" : Money.usd(m.inputPerMillionUsd()),
                m.outputPerMillionUsd() == null ? "-" : Money.usd(m.outputPerMillionUsd()),
                String.format(Locale.ROOT, "%,d", m.inputTokens()),
                String.format(Locale.ROOT, "%,d", m.outputTokens())
            });
        }
        out.table(
                models,
                new float[] {130, 45, 65, 55, 55, 55, 50, 40},
                "Model",
                "Calls",
                "Spend",
                "Per call",
                "In /1M",
                "Out /1M",
                "In tok",
                "Out tok");
        out.text(
                Fonts.REGULAR,
                8,
                "In /1M and Out /1M: the input side (uncached, cached and cache-write tokens) and the output side at"
                        + " catalog prices, per million tokens of that side; not one blended rate.");
    }

    private static void outcomes(PdfLayout out, MonthlyFigures f, DataQuality quality) throws IOException {
        out.heading("Cost per outcome");
        if (f.outcomes().isEmpty()) {
            out.paragraph("No outcomes were recorded (POST /v1/outcomes) this month.");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        List<String> unpriced = new ArrayList<>();
        for (MonthlyFigures.OutcomeCost o : f.outcomes()) {
            if (o.unpricedCalls() > 0 || o.fullyLoadedUnpricedCalls() > 0) {
                unpriced.add(o.name() + ": " + String.format(Locale.ROOT, "%,d", o.unpricedCalls()) + " unpriced"
                        + (o.unpricedCalls() == 1 ? " call" : " calls") + " attributed, "
                        + String.format(Locale.ROOT, "%,d", o.fullyLoadedUnpricedCalls()) + " in fully loaded (its"
                        + " features' spend, failed sessions included)");
            }
            rows.add(new String[] {
                o.name(),
                String.format(Locale.ROOT, "%,d", o.count()),
                // calls of unpriced models behind a figure: "unknown" (none priced, not $0) or "$x +" (at least)
                o.fullyLoadedShown() == null ? "-" : o.fullyLoadedShown(),
                o.successRatePercent() == null ? "-" : Money.percent(o.successRatePercent()),
                o.attributedShown(),
                o.featureSpendShown() == null ? "-" : o.featureSpendShown(),
                String.join(", ", o.features())
            });
        }
        out.table(
                rows,
                new float[] {95, 45, 80, 55, 65, 70, 85},
                "Outcome",
                "Count",
                "Fully loaded",
                "Success",
                "Attributed",
                "Feature spend",
                "Features");
        if (!unpriced.isEmpty()) {
            out.paragraph("Unpriced calls behind outcomes (" + outcomesUnpricedWhy(quality)
                    + "; cost unknown, not zero, and left out of these figures; \"+\" = at least this): "
                    + String.join("; ", unpriced) + ".");
        }
        List<String> unmatched = new ArrayList<>();
        for (MonthlyFigures.OutcomeCost o : f.outcomes()) {
            if (o.unmatched() > 0) {
                unmatched.add(o.name() + ": " + String.format(Locale.ROOT, "%,d", o.unmatched()) + " of "
                        + String.format(Locale.ROOT, "%,d", o.count()));
            }
        }
        if (!unmatched.isEmpty()) {
            out.paragraph("Outcomes matched to no call (their session or request id is on no call of the key that"
                    + " posted them this month or the month before: a ticket number, a typo, another key's or an older"
                    + " session; counted in Count and divided into at no cost, so they lower the per-outcome figures): "
                    + String.join("; ", unmatched) + ".");
        }
        out.paragraph(MonthlyFigures.OUTCOME_DEFINITION);
        List<String> keys = new ArrayList<>();
        for (MonthlyFigures.OutcomeCost o : f.outcomes()) {
            keys.add(o.name() + ": "
                    + (o.keys() == null ? "every key (outcomes stored without one)" : String.join(", ", o.keys())));
        }
        out.paragraph("Keys counted (the Spendgate keys that posted each outcome): " + String.join("; ", keys) + ".");
    }

    /** The fuller data-quality note at the end: every count, and what each means for the figures. */
    private static void qualityNote(PdfLayout out, DataQuality q) throws IOException {
        out.heading("Data quality");
        if (q.outcomesMatchedToNoCall() > 0) {
            out.paragraph(String.format(Locale.ROOT, "%,d", q.outcomesMatchedToNoCall())
                    + " posted outcomes were matched to no call (an id no call of their key carries this month or the"
                    + " month before): counted in cost per outcome at no cost of their own (named in its section).");
        }
        if (!q.recordsChecked()) {
            out.paragraph("The month was aggregated by Athena from the usage log; "
                    + (q.aggregatedCostCheck() == DataQuality.AggregatedCostCheck.NONE
                            ? "records were not checked one by one."
                            : "records were checked in the query, not read one by one here.")
                    + " What the aggregation checks:");
            for (String c : dev.spendgate.report.quality.DataQualityJson.aggregatedChecked(q)) {
                out.paragraph("- " + c);
            }
            out.paragraph("What it does not check:");
            for (String c : dev.spendgate.report.quality.DataQualityJson.aggregatedNotChecked(q)) {
                out.paragraph("- " + c);
            }
            if (q.quarantinedCount() > 0) {
                List<String[]> rows = new ArrayList<>();
                for (var e : q.quarantined().entrySet()) {
                    rows.add(row("Quarantined: " + e.getKey().description(), e.getValue(), "left out of every total"));
                }
                rows.add(row("Calls included", q.includedCalls(), "the calls every figure sums"));
                out.table(rows, new float[] {200, 70, 225}, "What", "Count", "Meaning");
                if (q.quarantinedClaimedUsd().signum() != 0) {
                    out.paragraph("Quarantined records claimed " + Money.usd(q.quarantinedClaimedUsd())
                            + " in total; none of it is in any figure of this report, the FOCUS file or the"
                            + " chargeback.");
                }
            }
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(row("Usage log objects read", q.objects(), "the hourly gzip objects of the month"));
        rows.add(row("Damaged objects", q.damagedObjects(), "truncated or not gzip; lines before the damage kept"));
        rows.add(row("Records read", q.linesRead(), "every line of the month's objects"));
        rows.add(row("Unreadable records", q.unreadableRecords(), "not a schema-1 record; left out"));
        rows.add(row("Repeated request ids", q.duplicatesDropped(), "a batch delivered twice; counted once"));
        for (var e : q.quarantined().entrySet()) {
            rows.add(row("Quarantined: " + e.getKey().description(), e.getValue(), "left out of every total"));
        }
        rows.add(row("Calls included", q.includedCalls(), "the calls every figure sums"));
        rows.add(row(
                "Estimated calls",
                q.estimatedCalls(),
                // the amount first: a meaning too long for its column loses its middle
                q.estimatedUsd().signum() != 0
                        ? Money.usd(q.estimatedUsd()) + " of the total: cut streams, unsettled calls"
                        : "stream cut before its usage, or a call that never settled"));
        if (q.worstCaseCalls() > 0) {
            rows.add(row(
                    "Charged at worst case",
                    q.worstCaseCalls(),
                    // the gateway stopped before recording them; the amount first, so the column never cuts it
                    Money.usd(q.worstCaseUsd()) + " at the worst case reserved, not billed"));
        }
        rows.addAll(unpricedRows(q));
        rows.add(row("Rejected calls", q.rejectedCalls(), "refused by the gateway or provider; nothing billed"));
        out.table(rows, new float[] {200, 70, 225}, "What", "Count", "Meaning");
        if (q.quarantinedClaimedUsd().signum() != 0) {
            out.paragraph("Quarantined records claimed " + Money.usd(q.quarantinedClaimedUsd())
                    + " in total; none of it is in any figure of this report, the FOCUS file or the chargeback.");
        }
        for (String example : q.examples()) {
            out.text(Fonts.REGULAR, 8, example);
        }
        out.paragraph("Amounts are metered by the gateway from the providers' token counts at catalog prices; they are"
                + " not the providers' invoices.");
    }

    /**
     * The data-quality table's unpriced calls, by {@link UnpricedCause}: one row with its cause when all have one (or
     * none), else the total and a row per cause, so a call the gateway was stopped during is never explained as a
     * price missing from the catalog. Each meaning fits its column at 9 pt.
     */
    static List<String[]> unpricedRows(DataQuality q) {
        List<Map.Entry<UnpricedCause, Long>> causes = q.unpricedByCause().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .toList();
        if (causes.size() <= 1) {
            UnpricedCause only =
                    causes.isEmpty() ? UnpricedCause.NO_PRICE : causes.get(0).getKey();
            return java.util.Collections.singletonList(
                    row("Unpriced calls", q.unpricedCalls(), unpricedWhy(only) + "; cost unknown, not zero"));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(row("Unpriced calls", q.unpricedCalls(), "cost unknown, not zero; each cause below"));
        for (Map.Entry<UnpricedCause, Long> e : causes) {
            rows.add(row("- " + unpricedWhy(e.getKey()), e.getValue(), unpricedDetail(e.getKey())));
        }
        return rows;
    }

    /** Why a call of {@code cause} has no cost, short enough for the table's first or last column. */
    private static String unpricedWhy(UnpricedCause cause) {
        return switch (cause) {
            // no price for the model, its tier or a fee it incurred (a built-in tool), not only a missing model
            case NO_PRICE -> "no price for model, tier or tool";
            case UNANSWERED -> "answer never arrived whole";
            case GATEWAY_STOPPED -> "cut off by a gateway stop";
        };
    }

    private static String unpricedDetail(UnpricedCause cause) {
        return switch (cause) {
            case NO_PRICE -> "the catalog has no price for what it ran";
            case UNANSWERED -> "provider timed out, sent nothing or cut it";
            case GATEWAY_STOPPED -> "gateway killed or stopped while it ran";
        };
    }

    /**
     * Why the unpriced calls behind outcomes have no cost: the causes the month's unpriced calls have (outcomes do not
     * count theirs apart), the catalog's only when it is the only one.
     */
    private static String outcomesUnpricedWhy(DataQuality quality) {
        List<String> why = new ArrayList<>();
        if (quality != null) {
            quality.unpricedByCause().forEach((cause, calls) -> {
                if (calls > 0) {
                    why.add(
                            switch (cause) {
                                case NO_PRICE -> "no catalog price for the model, its tier or a tool it ran";
                                case UNANSWERED -> "the provider's answer never arrived whole";
                                case GATEWAY_STOPPED -> "cut off mid-call by a gateway stop";
                            });
                }
            });
        }
        return why.isEmpty() ? "no catalog price for the model, its tier or a tool it ran" : String.join(", or ", why);
    }

    private static String signedUsd(BigDecimal v) {
        return (v.signum() > 0 ? "+" : "") + Money.usd(v);
    }

    private static String[] row(String what, long count, String meaning) {
        return new String[] {what, String.format(Locale.ROOT, "%,d", count), meaning};
    }

    private static List<String[]> shares(List<MonthlyFigures.Share> shares) {
        List<String[]> rows = new ArrayList<>();
        for (MonthlyFigures.Share s : shares) {
            rows.add(new String[] {
                s.name(),
                Money.usd(s.shownUsd()),
                Money.percent(s.percent()),
                String.format(Locale.ROOT, "%,d", s.calls())
            });
        }
        return rows;
    }

    /** The daily spend as a vector line chart: day of month under the points, USD on the gridlines. */
    static void dailyChart(PdfLayout out, MonthlyFigures f) throws IOException {
        List<String> days = new ArrayList<>();
        List<BigDecimal> costs = new ArrayList<>();
        for (MonthlyFigures.DayCost d : f.daily()) {
            days.add(d.day().getMonthValue() + "/" + d.day().getDayOfMonth());
            costs.add(d.costUsd());
        }
        out.lineChart(days, costs, 170, 5, BoardReportPdf::axisUsd);
    }

    /** Axis labels: whole dollars without cents ("$2,000"), cents only for steps under a dollar ("$0.20"). */
    static String axisUsd(BigDecimal v) {
        return v.stripTrailingZeros().scale() <= 0
                ? "$" + String.format(Locale.ROOT, "%,d", v.longValueExact())
                : Money.usd(v);
    }
}
