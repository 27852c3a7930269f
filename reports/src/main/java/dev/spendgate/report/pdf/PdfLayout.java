package dev.spendgate.report.pdf;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * A top-to-bottom writer of the board report's pages that starts a new page when the current one is full. Sections
 * ({@link BoardReportPdf.Section}) write through it, so a section can be added without touching the others.
 */
public final class PdfLayout {
    static final float MARGIN = 50;
    static final PDRectangle PAGE = PDRectangle.A4;

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

    public void text(PDType1Font font, float size, String s) throws IOException {
        need(size * 1.4f);
        y -= size * 1.25f;
        content.beginText();
        content.setFont(font, size);
        content.newLineAtOffset(MARGIN, y);
        content.showText(safe(s));
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

    public void image(BufferedImage image, float width, float height) throws IOException {
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
