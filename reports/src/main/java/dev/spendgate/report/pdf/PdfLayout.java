package dev.spendgate.report.pdf;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.font.encoding.GlyphList;
import org.apache.pdfbox.pdmodel.font.encoding.WinAnsiEncoding;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * A top-to-bottom writer of the board report's pages that starts a new page when the current one is full. Sections
 * ({@link BoardReportPdf.Section}) write through it, so a section can be added without touching the others.
 */
public final class PdfLayout {
    static final float MARGIN = 50;
    static final PDRectangle PAGE = PDRectangle.A4;
    private static final String ELLIPSIS = "...";
    /** An amount, count or share as the tables print them: {@code $1,234.56}, {@code -$0.0008 +}, {@code 12.5%}. */
    private static final Pattern FIGURE =
            Pattern.compile("[-+]?[$\u20ac\u00a3]?-?[0-9][0-9,]*(\\.[0-9]+)?( ?%)?( \\+)?");

    /** The two standard fonts used. */
    public static final class Fonts {
        public static final PDType1Font REGULAR = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        public static final PDType1Font BOLD = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
    }

    private final PDDocument doc;
    private PDPageContentStream content;
    private float y;

    PdfLayout(PDDocument doc) throws IOException {
        this.doc = doc;
        newPage();
    }

    public void newPage() throws IOException {
        if (content != null) {
            content.close();
        }
        PDPage page = new PDPage(PAGE);
        doc.addPage(page);
        content = new PDPageContentStream(doc, page);
        y = PAGE.getHeight() - MARGIN;
    }

    public void need(float height) throws IOException {
        if (y - height < MARGIN) {
            newPage();
        }
    }

    public void gap(float h) {
        y -= h;
    }

    public void title(String s) throws IOException {
        text(Fonts.BOLD, 18, s);
        gap(4);
    }

    public void heading(String s) throws IOException {
        need(60);
        gap(10);
        text(Fonts.BOLD, 13, s);
        gap(2);
    }

    /**
     * A line of text; one too long for the page is wrapped at spaces (a word longer than the line is cut), each further
     * line keeping the first one's indent, so nothing is drawn beyond the page's right edge.
     */
    public void text(PDType1Font font, float size, String s) throws IOException {
        String text = safe(s);
        float width = PAGE.getWidth() - 2 * MARGIN;
        if (font.getStringWidth(text) / 1000 * size <= width) {
            line(font, size, text);
            return;
        }
        String body = text.stripLeading();
        String indent = text.substring(0, text.length() - body.length());
        for (String l : wrap(font, size, body, width - font.getStringWidth(indent) / 1000 * size)) {
            line(font, size, indent + l);
        }
    }

    private void line(PDType1Font font, float size, String text) throws IOException {
        need(size * 1.4f);
        y -= size * 1.25f;
        content.beginText();
        content.setFont(font, size);
        content.newLineAtOffset(MARGIN, y);
        content.showText(text);
        content.endText();
    }

    public void paragraph(String s) throws IOException {
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

    public void table(List<String[]> rows, float[] widths, String... header) throws IOException {
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
            String text = safe(cells[i]);
            float size = figureSize(font, text, widths[i] - 6);
            String cell = fit(font, size, text, widths[i] - 6);
            float cellWidth = font.getStringWidth(cell) / 1000 * size;
            float at = i == 0 ? x : x + widths[i] - 6 - cellWidth;
            content.beginText();
            content.setFont(font, size);
            content.newLineAtOffset(at, y);
            content.showText(cell);
            content.endText();
            x += widths[i];
        }
    }

    /**
     * The type size a cell is drawn at: 9 pt, or for a figure too wide for its column (an amount such as
     * {@code -$123,456.78}) down to 6 pt, so that it is printed whole; a figure cut in its middle would show the board
     * another amount. A label too wide is cut in its middle at 9 pt ({@link #fit}).
     */
    static float figureSize(PDType1Font font, String text, float width) throws IOException {
        float size = 9;
        if (!FIGURE.matcher(text).matches()) {
            return size;
        }
        float em = font.getStringWidth(text) / 1000;
        while (em * size > width && size > 6) {
            size -= 0.5f;
        }
        return size;
    }

    public void image(BufferedImage image, float width, float height) throws IOException {
        need(height + 6);
        PDImageXObject x = LosslessFactory.createFromImage(doc, image);
        y -= height;
        content.drawImage(x, MARGIN, y, width, height);
        gap(6);
    }

    /** A row of KPI tiles: each a box with a small label over a large value and an optional note line. */
    public void tiles(List<String[]> tiles) throws IOException {
        float width = PAGE.getWidth() - 2 * MARGIN;
        int perRow = 3;
        float gapX = 8;
        float w = (width - gapX * (perRow - 1)) / perRow;
        float h = 54;
        for (int i = 0; i < tiles.size(); i += perRow) {
            need(h + 8);
            float top = y;
            for (int j = 0; j < perRow && i + j < tiles.size(); j++) {
                String[] t = tiles.get(i + j);
                float x = MARGIN + j * (w + gapX);
                content.setNonStrokingColor(new java.awt.Color(0xF2, 0xF5, 0xF9));
                content.addRect(x, top - h, w, h);
                content.fill();
                content.setNonStrokingColor(java.awt.Color.BLACK);
                label(x + 6, top - 13, Fonts.REGULAR, 8, t[0], w - 12);
                label(x + 6, top - 33, Fonts.BOLD, 16, t[1], w - 12);
                if (t.length > 2 && t[2] != null) {
                    label(x + 6, top - 47, Fonts.REGULAR, 7.5f, t[2], w - 12);
                }
            }
            y = top - h - 8;
        }
    }

    /**
     * Horizontal bars drawn as vector shapes (no image): one per label, length in proportion to the largest value,
     * with the value printed; {@code marker} draws a vertical line at that value (e.g. the period's pace), or null.
     */
    public void bars(
            List<String> labels, List<java.math.BigDecimal> values, List<String> shown, java.math.BigDecimal marker)
            throws IOException {
        float labelWidth = 150;
        float valueWidth = 90;
        float width = PAGE.getWidth() - 2 * MARGIN - labelWidth - valueWidth;
        java.math.BigDecimal max = marker == null ? java.math.BigDecimal.ZERO : marker;
        for (java.math.BigDecimal v : values) {
            max = max.max(v);
        }
        float barHeight = 10;
        for (int i = 0; i < labels.size(); i++) {
            need(barHeight + 6);
            y -= barHeight + 4;
            label(MARGIN, y + 2, Fonts.REGULAR, 8.5f, labels.get(i), labelWidth - 6);
            float length = max.signum() == 0
                    ? 0
                    : values.get(i).max(java.math.BigDecimal.ZERO).floatValue() / max.floatValue() * width;
            content.setNonStrokingColor(new java.awt.Color(0x1F, 0x5F, 0xA8));
            content.addRect(MARGIN + labelWidth, y, Math.max(length, 0.5f), barHeight);
            content.fill();
            content.setNonStrokingColor(java.awt.Color.BLACK);
            label(MARGIN + labelWidth + width + 6, y + 2, Fonts.REGULAR, 8.5f, shown.get(i), valueWidth - 6);
            if (marker != null && max.signum() != 0) {
                float at = MARGIN + labelWidth + marker.floatValue() / max.floatValue() * width;
                content.setStrokingColor(new java.awt.Color(0xC0, 0x39, 0x2B));
                content.setLineWidth(1.2f);
                content.moveTo(at, y - 2);
                content.lineTo(at, y + barHeight + 2);
                content.stroke();
                content.setStrokingColor(java.awt.Color.BLACK);
            }
        }
        gap(6);
    }

    /**
     * A shaded box with a bold title and numbered items, each a bold line (wrapped to at most two lines) over a small
     * regular line: the board report's "top actions".
     */
    public void box(String title, List<String[]> items) throws IOException {
        float width = PAGE.getWidth() - 2 * MARGIN;
        float inner = width - 16;
        List<List<String>> heads = new ArrayList<>();
        float height = 26;
        for (String[] item : items) {
            List<String> lines = wrap(Fonts.BOLD, 9.5f, item[0], inner - 14);
            if (lines.size() > 2) {
                String second = lines.get(1);
                lines = new ArrayList<>(List.of(lines.get(0), second + " ..."));
            }
            heads.add(lines);
            height += lines.size() * 12 + 12 + 5;
        }
        need(height + 6);
        float top = y;
        content.setNonStrokingColor(new java.awt.Color(0xFF, 0xF6, 0xE0));
        content.addRect(MARGIN, top - height, width, height);
        content.fill();
        content.setStrokingColor(new java.awt.Color(0xE0, 0xA8, 0x30));
        content.setLineWidth(1f);
        content.addRect(MARGIN, top - height, width, height);
        content.stroke();
        content.setStrokingColor(java.awt.Color.BLACK);
        content.setNonStrokingColor(java.awt.Color.BLACK);
        float at = top - 16;
        label(MARGIN + 8, at, Fonts.BOLD, 11, title, inner);
        at -= 6;
        for (int i = 0; i < items.size(); i++) {
            List<String> lines = heads.get(i);
            for (int j = 0; j < lines.size(); j++) {
                at -= 12;
                label(MARGIN + 8, at, Fonts.BOLD, 9.5f, j == 0 ? (i + 1) + "." : "", 14);
                label(MARGIN + 22, at, Fonts.BOLD, 9.5f, lines.get(j), inner - 14);
            }
            at -= 12;
            label(MARGIN + 22, at, Fonts.REGULAR, 8.5f, items.get(i)[1], inner - 14);
            at -= 5;
        }
        y = top - height - 8;
    }

    /** {@code s} in lines of at most {@code width}, broken at spaces; a word longer than a line is cut. */
    private static List<String> wrap(PDType1Font font, float size, String s, float width) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : safe(s).split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (font.getStringWidth(candidate) / 1000 * size > width && !line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
            while (line.length() > 1 && font.getStringWidth(line.toString()) / 1000 * size > width) {
                int cut = line.length() - 1;
                while (cut > 1 && font.getStringWidth(line.substring(0, cut)) / 1000 * size > width) {
                    cut--;
                }
                lines.add(line.substring(0, cut));
                line = new StringBuilder(line.substring(cut));
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * A line chart drawn as vector paths (no image, sharp at any zoom): one point per value, left to right, a y axis
     * from zero to a rounded maximum with five gridlines labelled by {@code yLabel}, and every {@code xEvery}-th x
     * label printed under its point.
     */
    public void lineChart(
            List<String> xLabels,
            List<java.math.BigDecimal> values,
            float height,
            int xEvery,
            java.util.function.Function<java.math.BigDecimal, String> yLabel)
            throws IOException {
        need(height + 24);
        float axisWidth = 60;
        float left = MARGIN + axisWidth;
        float width = PAGE.getWidth() - MARGIN - left;
        float bottom = y - height;
        java.math.BigDecimal step = niceStep(values);
        int lines = 5;
        java.math.BigDecimal top = step.multiply(java.math.BigDecimal.valueOf(lines));
        content.setLineWidth(0.5f);
        for (int i = 0; i <= lines; i++) {
            float at = bottom + height * i / lines;
            content.setStrokingColor(i == 0 ? java.awt.Color.GRAY : new java.awt.Color(0xDD, 0xDD, 0xDD));
            content.moveTo(left, at);
            content.lineTo(left + width, at);
            content.stroke();
            String text = yLabel.apply(step.multiply(java.math.BigDecimal.valueOf(i)));
            float w = Fonts.REGULAR.getStringWidth(safe(text)) / 1000 * 8;
            label(left - 6 - w, at - 3, Fonts.REGULAR, 8, text, axisWidth);
        }
        int n = values.size();
        float dx = n > 1 ? width / (n - 1) : 0;
        for (int i = 0; i < n; i++) {
            if (i % Math.max(1, xEvery) == 0 || i == n - 1) {
                String text = xLabels.get(i);
                float w = Fonts.REGULAR.getStringWidth(safe(text)) / 1000 * 8;
                label(left + i * dx - w / 2, bottom - 12, Fonts.REGULAR, 8, text, 40);
            }
        }
        content.setStrokingColor(new java.awt.Color(0x1F, 0x5F, 0xA8));
        content.setLineWidth(2f);
        for (int i = 0; i < n; i++) {
            float px = left + (n > 1 ? i * dx : width / 2);
            float py = bottom + values.get(i).max(java.math.BigDecimal.ZERO).floatValue() / top.floatValue() * height;
            if (i == 0) {
                content.moveTo(px, py);
            } else {
                content.lineTo(px, py);
            }
        }
        if (n > 0) {
            content.stroke();
        }
        content.setStrokingColor(java.awt.Color.BLACK);
        content.setLineWidth(1f);
        y = bottom - 18;
    }

    /** A round gridline step (1, 2 or 5 times a power of ten) so that five steps cover the largest value. */
    static java.math.BigDecimal niceStep(List<java.math.BigDecimal> values) {
        java.math.BigDecimal max = java.math.BigDecimal.ZERO;
        for (java.math.BigDecimal v : values) {
            max = max.max(v);
        }
        if (max.signum() == 0) {
            return new java.math.BigDecimal("0.2");
        }
        java.math.BigDecimal raw = max.divide(java.math.BigDecimal.valueOf(5), java.math.MathContext.DECIMAL64);
        int exponent = raw.precision() - raw.scale() - 1;
        java.math.BigDecimal power = java.math.BigDecimal.ONE.scaleByPowerOfTen(exponent);
        for (int m : new int[] {1, 2, 5, 10}) {
            java.math.BigDecimal candidate = power.multiply(java.math.BigDecimal.valueOf(m));
            if (candidate.compareTo(raw) >= 0) {
                return candidate.stripTrailingZeros();
            }
        }
        return power.multiply(java.math.BigDecimal.TEN);
    }

    private void label(float x, float at, PDType1Font font, float size, String s, float width) throws IOException {
        String text = fit(font, size, safe(s), width);
        content.beginText();
        content.setFont(font, size);
        content.newLineAtOffset(x, at);
        content.showText(text);
        content.endText();
    }

    void close() throws IOException {
        content.close();
    }

    /**
     * {@code s} cut to {@code width} with its middle elided ("customer-support...emea.canary"): names that share a long
     * prefix (a feature's deployment or region suffix, a model's version) differ at the end, so both ends are kept.
     */
    static String fit(PDType1Font font, float size, String s, float width) throws IOException {
        if (font.getStringWidth(s) / 1000 * size <= width) {
            return s;
        }
        // no Helvetica glyph is narrower than 0.19 em: a longer cut cannot fit, so none is measured
        int longest = (int) Math.min(s.length() - 1L, (long) (width / (size * 0.19f)));
        for (int kept = longest; kept > 0; kept--) {
            int tail = kept / 2;
            String t = s.substring(0, kept - tail) + ELLIPSIS + s.substring(s.length() - tail);
            if (font.getStringWidth(t) / 1000 * size <= width) {
                return t;
            }
        }
        return s.isEmpty() ? s : s.substring(0, 1) + ELLIPSIS;
    }

    /**
     * Keeps what the standard fonts can draw (Latin-1, and the rest of WinAnsi such as the euro sign and typographic
     * quotes); any other character is written as its code point ({@code <U+30AF>}), so two names in another script
     * stay two different, recognisable labels rather than the same run of '?'.
     */
    static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c >= 32 && c < 127 || c >= 160 && c < 256 || winAnsi(c)) {
                b.appendCodePoint(c);
            } else {
                b.append(String.format("<U+%04X>", c));
            }
        });
        return b.toString();
    }

    private static boolean winAnsi(int codePoint) {
        if (Character.isISOControl(codePoint) || codePoint > 0xFFFF) {
            return false;
        }
        String name = GlyphList.getAdobeGlyphList().codePointToName(codePoint);
        return !".notdef".equals(name) && WinAnsiEncoding.INSTANCE.contains(name);
    }
}
