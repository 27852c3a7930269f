package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Reconciliation with provider bills / In the monthly report": with provider bills the FOCUS file's metered
 * plus provider_bill rows "sum to what the providers billed ... so the export carries what finance pays"; README
 * "Chargeback rules file": spend with no department "goes to the suspense account, one listed line each with the
 * reason", and amount_usd "sums to the month's total". The same fixture as MonthlyReportReconciliationTest: $13.725
 * billed beyond the metering (a raw-key team's $1.80, never-metered batch/storage/web-search $11.925). The FOCUS total
 * carries it; chargeback.csv, the file finance posts to the GL, has no line for it, so the GL postings fall $13.725
 * short of the FOCUS total and of the bill.
 */
class ChargebackVsProviderBillsReviewTest {
    static final Set<String> GATEWAY_ACCOUNTS = Set.of(ProviderFiles.GATEWAY_PROJECT, "wrkspc_gateway");

    @TempDir
    Path dir;

    @Test
    void run_withProviderBills_chargebackTotalsWhatTheFocusFileBills() throws Exception {
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

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(SimulatedMonth.CATALOG, SimulatedMonth.CATALOG, null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withProviderBills(new ProviderBills(bills, null, GATEWAY_ACCOUNTS))
                .run(
                        SimulatedMonth.MONTH,
                        source,
                        new MonthlyReportReconciliationTest.Store(),
                        new MonthlyReportReconciliationTest.Store(),
                        "",
                        null,
                        false);

        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo("13.725");
        assertThat(result.chargeback().totalExactUsd())
                .as("chargeback.csv exact total vs the FOCUS BilledCost total %s", result.focusBilledTotalUsd())
                .isEqualByComparingTo(result.focusBilledTotalUsd());
    }
}
