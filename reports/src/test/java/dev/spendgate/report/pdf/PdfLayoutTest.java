package dev.spendgate.report.pdf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

class PdfLayoutTest {
    @Test
    void safe_charactersTheStandardFontsCannotDraw_areWrittenAsCodePoints() {
        assertThat(PdfLayout.safe("\u30af\u30ed\u30fc\u30c9")).isEqualTo("<U+30AF><U+30ED><U+30FC><U+30C9>");
        assertThat(PdfLayout.safe("caf\u00e9 \u20ac5 \u201cok\u201d")).isEqualTo("caf\u00e9 \u20ac5 \u201cok\u201d");
        assertThat(PdfLayout.safe("a\nb")).isEqualTo("a<U+000A>b");
    }

    @Test
    void fit_twoLongLabelsDifferingAtTheEnd_keepTheirEndsAndFitTheWidth() throws Exception {
        String prefix = "customer-support-assistant.knowledge-base-search.emea";
        String production = PdfLayout.fit(PdfLayout.Fonts.REGULAR, 9, prefix + ".production", 150);
        String canary = PdfLayout.fit(PdfLayout.Fonts.REGULAR, 9, prefix + ".canary", 150);

        assertThat(production).startsWith("customer-").contains("...").endsWith(".production");
        assertThat(canary).startsWith("customer-").contains("...").endsWith(".canary");
        assertThat(PdfLayout.Fonts.REGULAR.getStringWidth(production) / 1000 * 9)
                .isLessThanOrEqualTo(150);
        assertThat(PdfLayout.fit(PdfLayout.Fonts.REGULAR, 9, "gpt-4o", 150)).isEqualTo("gpt-4o");
    }

    @Test
    void table_amountWiderThanItsColumn_isPrintedWhole_aLabelIsCutInItsMiddle() throws Exception {
        String text;
        try (PDDocument doc = new PDDocument()) {
            PdfLayout layout = new PdfLayout(doc);
            layout.table(
                    List.<String[]>of(new String[] {"customer-support-assistant.production", "-$123,456.78"}),
                    new float[] {80, 52},
                    "Feature",
                    "Unexpl.");
            layout.close();
            text = new PDFTextStripper().getText(doc);
        }

        assertThat(text).contains("-$123,456.78").doesNotContain("-$123...");
        assertThat(text).contains("customer...").contains("duction");
    }

    @Test
    void figureSize_onlyFiguresShrink_andNeverBelowSixPoints() throws Exception {
        assertThat(PdfLayout.figureSize(PdfLayout.Fonts.REGULAR, "$1,234,567.89", 53))
                .isLessThan(9);
        assertThat(PdfLayout.figureSize(PdfLayout.Fonts.REGULAR, "$0.0008 +", 200))
                .isEqualTo(9);
        assertThat(PdfLayout.figureSize(PdfLayout.Fonts.REGULAR, "12.5%", 5)).isEqualTo(6);
        assertThat(PdfLayout.figureSize(PdfLayout.Fonts.REGULAR, "customer-support-assistant", 20))
                .isEqualTo(9);
    }
}
