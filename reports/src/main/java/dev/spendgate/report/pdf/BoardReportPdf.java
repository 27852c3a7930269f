package dev.spendgate.report.pdf;

import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.Narrative;
import dev.spendgate.domain.report.WasteSummary;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * Renders the board report ({@code board-report.pdf}) from {@link MonthlyFigures}: headline and change, the
 * narrative, the daily trend chart, top features / departments / models, budgets, waste and the AI Efficiency Score,
 * model efficiency and cost per outcome. Standard PDF fonts only, so the file is small and text-extractable.
 */
public final class BoardReportPdf {
    private static final float MARGIN = 50;
    private static final PDRectangle PAGE = PDRectangle.A4;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private BoardReportPdf() {}

    public static byte[] render(MonthlyFigures f) {
        return render(f, Narrative.of(f), null);
    }

    /** Renders with the given narrative paragraphs and an optional note on where they come from. */
    public static byte[] render(MonthlyFigures f, List<String> narrative, String narrativeNote) {
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
            Layout out = new Layout(doc);
            out.title("AI spend report: " + Narrative.monthName(f.month()));
            out.text(Fonts.REGULAR, 9, "Produced by Spendgate from the usage log. Amounts in USD; days are UTC.");
            out.gap(8);
            out.text(Fonts.BOLD, 26, Money.usd(f.totalUsd()));
            String change = f.changePercent() == null
                    ? "No spend recorded in " + Narrative.monthName(f.month().minusMonths(1)) + " to compare with"
                    : Money.signedPercent(f.changePercent()) + " vs "
                            + Narrative.monthName(f.month().minusMonths(1)) + " (" + Money.usd(f.previousTotalUsd())
                            + ")";
            out.text(Fonts.REGULAR, 11, change + "  |  " + String.format(Locale.ROOT, "%,d", f.calls()) + " calls");
            out.gap(10);
            out.heading("Summary");
            for (String paragraph : narrative) {
                out.paragraph(paragraph);
            }
            if (narrativeNote != null) {
                out.text(Fonts.REGULAR, 8, narrativeNote);
            }
            out.heading("Daily spend");
            out.image(chart(f), PAGE.getWidth() - 2 * MARGIN, 210);

            out.heading("Top features");
            out.table(shares(f.topFeatures()), new float[] {220, 100, 80, 80}, "Feature", "Spend", "Share", "Calls");
            out.heading("Top departments");
            out.table(
                    shares(f.topDepartments()),
                    new float[] {220, 100, 80, 80},
                    "Department",
                    "Spend",
                    "Share",
                    "Calls");
            out.heading("Top models");
            out.table(shares(f.topModels()), new float[] {220, 100, 80, 80}, "Model", "Spend", "Share", "Calls");

            out.heading("Budget status (monthly budgets)");
            if (f.budgets().isEmpty()) {
                out.paragraph("No monthly budgets were set.");
            } else {
                List<String[]> rows = new ArrayList<>();
                for (MonthlyFigures.BudgetLine b : f.budgets()) {
                    rows.add(new String[] {
                        b.scope(),
                        Money.usd(b.limitUsd()),
                        Money.usd(b.spentUsd()),
                        b.usedPercent() == null ? "-" : Money.percent(b.usedPercent()),
                        b.over() ? "OVER" : "within"
                    });
                }
                out.table(rows, new float[] {170, 90, 90, 70, 70}, "Budget", "Limit", "Spent", "Used", "Status");
            }

            out.heading("Waste and AI Efficiency Score");
            WasteSummary waste = f.waste();
            if (waste == null) {
                out.paragraph("No waste analysis for this month.");
            } else {
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
            }

            out.heading("Model efficiency");
            List<String[]> models = new ArrayList<>();
            for (MonthlyFigures.ModelEfficiency m : f.models()) {
                models.add(new String[] {
                    m.provider() + " / " + m.model(),
                    String.format(Locale.ROOT, "%,d", m.calls()),
                    String.format(Locale.ROOT, "%,d", m.inputTokens() + m.outputTokens()),
                    Money.usd(m.costUsd()),
                    m.costPerCallUsd() == null ? "-" : Money.usd(m.costPerCallUsd(), 4),
                    m.costPerMillionTokensUsd() == null ? "-" : Money.usd(m.costPerMillionTokensUsd())
                });
            }
            out.table(
                    models,
                    new float[] {150, 60, 85, 75, 65, 60},
                    "Model",
                    "Calls",
                    "Tokens",
                    "Spend",
                    "Per call",
                    "Per 1M tok");

            out.heading("Cost per outcome");
            if (f.outcomes().isEmpty()) {
                out.paragraph("No outcomes were recorded (POST /v1/outcomes) this month.");
            } else {
                List<String[]> rows = new ArrayList<>();
                for (MonthlyFigures.OutcomeCost o : f.outcomes()) {
                    rows.add(new String[] {
                        o.name(),
                        String.format(Locale.ROOT, "%,d", o.count()),
                        Money.usd(o.costUsd()),
                        Money.usd(o.costPerOutcomeUsd(), 4)
                    });
                }
                out.table(rows, new float[] {200, 80, 100, 100}, "Outcome", "Count", "Spend", "Per outcome");
            }
            out.close();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            doc.save(bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the board report", e);
        }
    }

    private static List<String[]> shares(List<MonthlyFigures.Share> shares) {
        List<String[]> rows = new ArrayList<>();
        for (MonthlyFigures.Share s : shares) {
            rows.add(new String[] {
                s.name(),
                Money.usd(s.costUsd()),
                Money.percent(s.percent()),
                String.format(Locale.ROOT, "%,d", s.calls())
            });
        }
        return rows;
    }

    static BufferedImage chart(MonthlyFigures f) {
        TimeSeries series = new TimeSeries("Spend (USD)");
        for (MonthlyFigures.DayCost d : f.daily()) {
            series.add(
                    new Day(
                            d.day().getDayOfMonth(),
                            d.day().getMonthValue(),
                            d.day().getYear()),
                    d.costUsd().doubleValue()); // chart geometry only; every printed figure stays exact
        }
        JFreeChart chart = ChartFactory.createTimeSeriesChart(
                null, null, "USD per day", new TimeSeriesCollection(series), false, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.getRenderer().setSeriesPaint(0, new Color(0x1F5FA8));
        plot.getRenderer().setSeriesStroke(0, new BasicStroke(2.5f));
        ((DateAxis) plot.getDomainAxis()).setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return chart.createBufferedImage(1000, 420);
    }

    /** The two standard fonts used. */
    private static final class Fonts {
        static final PDType1Font REGULAR = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        static final PDType1Font BOLD = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
    }

    /** A top-to-bottom writer that starts a new page when the current one is full. */
    private static final class Layout {
        private final PDDocument doc;
        private PDPageContentStream content;
        private float y;

        Layout(PDDocument doc) throws IOException {
            this.doc = doc;
            newPage();
        }

        void newPage() throws IOException {
            if (content != null) {
                content.close();
            }
            PDPage page = new PDPage(PAGE);
            doc.addPage(page);
            content = new PDPageContentStream(doc, page);
            y = PAGE.getHeight() - MARGIN;
        }

        void need(float height) throws IOException {
            if (y - height < MARGIN) {
                newPage();
            }
        }

        void gap(float h) {
            y -= h;
        }

        void title(String s) throws IOException {
            text(Fonts.BOLD, 18, s);
            gap(4);
        }

        void heading(String s) throws IOException {
            need(60);
            gap(10);
            text(Fonts.BOLD, 13, s);
            gap(2);
        }

        void text(PDType1Font font, float size, String s) throws IOException {
            need(size * 1.4f);
            y -= size * 1.25f;
            content.beginText();
            content.setFont(font, size);
            content.newLineAtOffset(MARGIN, y);
            content.showText(safe(s));
            content.endText();
        }

        void paragraph(String s) throws IOException {
            float width = PAGE.getWidth() - 2 * MARGIN;
            StringBuilder line = new StringBuilder();
            for (String word : safe(s).split(" ")) {
                String candidate = line.isEmpty() ? word : line + " " + word;
                if (Fonts.REGULAR.getStringWidth(candidate) / 1000 * 10 > width && !line.isEmpty()) {
                    text(Fonts.REGULAR, 10, line.toString());
                    line = new StringBuilder(word);
                } else {
                    line = new StringBuilder(candidate);
                }
            }
            if (!line.isEmpty()) {
                text(Fonts.REGULAR, 10, line.toString());
            }
            gap(4);
        }

        void table(List<String[]> rows, float[] widths, String... header) throws IOException {
            row(Fonts.BOLD, widths, header);
            for (String[] r : rows) {
                row(Fonts.REGULAR, widths, r);
            }
            gap(4);
        }

        private void row(PDType1Font font, float[] widths, String[] cells) throws IOException {
            need(14);
            y -= 12;
            float x = MARGIN;
            for (int i = 0; i < cells.length; i++) {
                String cell = fit(font, safe(cells[i]), widths[i] - 6);
                float cellWidth = font.getStringWidth(cell) / 1000 * 9;
                float at = i == 0 ? x : x + widths[i] - 6 - cellWidth;
                content.beginText();
                content.setFont(font, 9);
                content.newLineAtOffset(at, y);
                content.showText(cell);
                content.endText();
                x += widths[i];
            }
        }

        void image(BufferedImage image, float width, float height) throws IOException {
            need(height + 6);
            PDImageXObject x = LosslessFactory.createFromImage(doc, image);
            y -= height;
            content.drawImage(x, MARGIN, y, width, height);
            gap(6);
        }

        void close() throws IOException {
            content.close();
        }

        private static String fit(PDType1Font font, String s, float width) throws IOException {
            if (font.getStringWidth(s) / 1000 * 9 <= width) {
                return s;
            }
            String t = s;
            while (t.length() > 1 && font.getStringWidth(t + "...") / 1000 * 9 > width) {
                t = t.substring(0, t.length() - 1);
            }
            return t + "...";
        }

        /** Keeps what the standard fonts can draw (WinAnsi); anything else becomes '?'. */
        private static String safe(String s) {
            StringBuilder b = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                b.append(c >= 32 && c < 127 || c >= 160 && c < 256 ? c : '?');
            }
            return b.toString();
        }
    }
}
