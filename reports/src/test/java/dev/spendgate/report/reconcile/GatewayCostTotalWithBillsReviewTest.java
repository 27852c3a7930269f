package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "The gateway's own AWS cost": the board PDF gets "a line with the estimate, the cost per million calls and the
 * total cost of AI", and the estimate's "amount is in BilledCost, so the file's total is the total cost of AI".
 * README "Reconciliation with provider bills": with provider bills the FOCUS file also carries what the providers
 * billed beyond the metering ("so the export carries what finance pays"). In AWS both come together (the report
 * runner's provider bills and its gateway estimate). The fixture of ChargebackVsProviderBillsReviewTest has $13.725
 * billed beyond the metering; the board line's "total cost of AI" is the metered AI spend plus the estimate only, so
 * the board's headline total of AI is $13.73 short of the FOCUS file's total (and of manifest.json's
 * billed_cost_usd and chargeback.csv), with nothing saying which figure includes what.
 */
class GatewayCostTotalWithBillsReviewTest {
    static final Set<String> GATEWAY_ACCOUNTS = Set.of(ProviderFiles.GATEWAY_PROJECT, "wrkspc_gateway");
    static final Pattern TOTAL = Pattern.compile("the total cost of AI is \\$([0-9,]+\\.[0-9]{2})");

    @TempDir
    Path dir;

    @Test
    void run_withProviderBillsAndGatewayCost_boardTotalCostOfAiIsTheFocusTotal() throws Exception {
        MonthlyUsage metered = SimulatedMonth.usage();
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        for (LocalDate d :
                List.of(LocalDate.of(2026, 11, 10), LocalDate.of(2026, 11, 11), LocalDate.of(2026, 11, 12))) {
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
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Claude Sonnet 4.5 Batch Usage", new BigDecimal("7.50"), "batch", "tokens"));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Web Search Usage", new BigDecimal("0.20"), null, "web_search"));
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
        MonthlyUsageSource source =
                (m, s, r, tap) -> m.equals(SimulatedMonth.MONTH) ? SimulatedMonth.usage() : MonthlyUsage.of(m);
        MonthlyReportReconciliationTest.Store out = new MonthlyReportReconciliationTest.Store();

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(SimulatedMonth.CATALOG, SimulatedMonth.CATALOG, null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withProviderBills(new ProviderBills(bills, null, GATEWAY_ACCOUNTS))
                .withGatewayCost(new GatewayCostRows(
                        CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE),
                        GatewayCostModel.create(AwsPrices.US_EAST_1)))
                .run(SimulatedMonth.MONTH, source, new MonthlyReportReconciliationTest.Store(), out, "", null, false);

        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo("13.725");
        String text;
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
        }
        Matcher total = TOTAL.matcher(text);
        assertThat(total.find()).as("the board line's total cost of AI").isTrue();
        assertThat(new BigDecimal(total.group(1).replace(",", "")))
                .as("the PDF's total cost of AI vs the FOCUS BilledCost total %s", result.focusBilledTotalUsd())
                .isEqualByComparingTo(result.focusBilledTotalUsd().setScale(2, RoundingMode.HALF_UP));
    }
}
