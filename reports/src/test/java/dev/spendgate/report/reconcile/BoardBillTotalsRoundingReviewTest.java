package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.report.MonthlyReport;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The board PDF with provider bills, as a CFO checks it with a calculator: page 1 prints "Total with provider bills:
 * $T = $M metered by the gateway + $B billed by providers beyond it", an equation, so T must equal M + B as printed.
 * The fixture is MonthlyReportReconciliationTest's: the providers billed $13.725 beyond the metering (a half cent), so
 * B is rounded up to $13.73 and T, M, B are each rounded on their own (README "Finance reports": the PDF's rows and
 * totals sum as shown; the top lists and the chargeback use the largest remainder for exactly this reason).
 */
class BoardBillTotalsRoundingReviewTest {
    static final Pattern TOTAL = Pattern.compile(
            "Total with provider bills: \\$([0-9,.]+) = \\$([0-9,.]+) metered by the gateway \\+ \\$([0-9,.]+) billed");

    @TempDir
    Path dir;

    @BeforeAll
    static void simulate() {
        MonthlyReportReconciliationTest.simulate();
    }

    @Test
    void pdf_totalWithProviderBills_equalsItsPrintedParts() throws Exception {
        MonthlyReportReconciliationTest fixture = new MonthlyReportReconciliationTest();
        fixture.dir = dir;
        // the metered total's fraction of a cent (f); one more sub-cent storage line, x, so that the billed-beyond
        // amount B = 13.725 + x rounds down on its own while metered + B rounds up (f >= 0.5 needs no extra line)
        BigDecimal exact = MonthlyReportReconciliationTest.metered.totalCostUsd();
        BigDecimal f = exact.movePointRight(2).remainder(BigDecimal.ONE);
        BigDecimal x = f.compareTo(new BigDecimal("0.5")) >= 0
                ? BigDecimal.ZERO
                : new BigDecimal("0.5")
                        .subtract(f.divide(BigDecimal.TWO))
                        .movePointLeft(2)
                        .add(new BigDecimal("0.005"));
        fixture.run(bills(fixture, x), null);
        String text;
        try (PDDocument doc = Loader.loadPDF(fixture.out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(doc);
        }
        Matcher m = TOTAL.matcher(text);
        assertThat(m.find()).as("page 1 line in:%n%s", text).isTrue();
        BigDecimal total = usd(m.group(1));
        BigDecimal metered = usd(m.group(2));
        BigDecimal beyond = usd(m.group(3));
        assertThat(total)
                .as(
                        "%s: total as printed vs metered + beyond as printed (exact metered %s + billed beyond %s)",
                        m.group(),
                        MonthlyReportReconciliationTest.metered.totalCostUsd(),
                        new BigDecimal("13.725").add(x))
                .isEqualByComparingTo(metered.add(beyond));
    }

    /** MonthlyReportReconciliationTest's bills, plus an OpenAI storage line of {@code x} (none when zero). */
    ProviderBills bills(MonthlyReportReconciliationTest t, BigDecimal x) throws Exception {
        ProviderFiles f = ProviderFiles.of(MonthlyReportReconciliationTest.metered, SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        for (LocalDate d : MonthlyReportReconciliationTest.RAW_DAYS) {
            f.usage.add(new ProviderFiles.Usage(
                    d,
                    "openai",
                    "gpt-4o-mini-2024-07-18",
                    "key_rawteam",
                    TokenUsage.openAi(2_000_000, 0, 500_000, 0),
                    mini));
        }
        LocalDate d = LocalDate.of(2026, 11, 20);
        f.extras.add(new ProviderFiles.Extra(
                d, "openai", "gpt-4o-2024-08-06, batch input", new BigDecimal("4.125"), null, null));
        f.extras.add(new ProviderFiles.Extra(d, "openai", "file search storage", new BigDecimal("0.10"), null, null));
        if (x.signum() > 0) {
            f.extras.add(new ProviderFiles.Extra(
                    LocalDate.of(2026, 11, 21), "openai", "file search storage", x, null, null));
        }
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Claude Sonnet 4.5 Batch Usage", new BigDecimal("7.50"), "batch", "tokens"));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Web Search Usage", new BigDecimal("0.20"), null, "web_search"));
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
        return new ProviderBills(bills, null, MonthlyReportReconciliationTest.GATEWAY_ACCOUNTS);
    }

    static BigDecimal usd(String s) {
        return new BigDecimal(s.replace(",", ""));
    }
}
