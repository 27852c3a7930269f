package dev.spendgate.report.pdf;

import static org.assertj.core.api.Assertions.assertThat;

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
}
