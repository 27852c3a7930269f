package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.MonthlyUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Reconciliation with provider bills": traffic the gateway did not see is classed not_seen_by_gateway at what
 * it was billed. A raw-key team calls Claude Sonnet 4.5 around the gateway on November 10th: many short requests,
 * 1,000,000 input and 50,000 output tokens in the day, billed per request at the standard rates ($3 / $15 per
 * million; Anthropic's long-context rates apply only to a request above 200,000 input tokens): $3.75. The Reconciler
 * prices the day's excess tokens with ModelPrice.cost as if they were one request, above the long-context threshold
 * ($6 / $22.50): not seen $7.125, and the other $3.375 is booked as a negative price drift or unexplained - a price
 * drift the provider never made, which also lands in the FOCUS provider_bill rows.
 */
class NotSeenLongContextReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_rawKeyTeamOnSonnet_notSeenAtWhatWasBilledNoDrift() throws Exception {
        MonthlyUsage metered = SimulatedMonth.usage();
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        LocalDate day = LocalDate.of(2026, 11, 10);
        f.usage.add(new ProviderFiles.Usage(
                day,
                "anthropic",
                "claude-sonnet-4-5-20250929",
                "wrkspc_rawteam",
                TokenUsage.anthropic(1_000_000, 0, 0, 0, 50_000),
                SimulatedMonth.CATALOG.find("anthropic", "claude-sonnet-4-5").orElseThrow()));
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));

        Reconciliation r = Reconciler.create(SimulatedMonth.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, null, bills);

        List<ReconciliationLine> sonnet = r.lines().stream()
                .filter(l ->
                        l.day().equals(day) && l.model() != null && l.model().startsWith("claude-sonnet-4-5"))
                .toList();
        assertThat(sonnet)
                .as(
                        "lines of %s",
                        r.lines().stream()
                                .filter(l -> l.day().equals(day))
                                .map(l -> l.model() + " " + l.explanation())
                                .toList())
                .isNotEmpty();
        assertThat(sonnet).allSatisfy(l -> {
            assertThat(l.notSeenUsd()).as("not seen").isEqualByComparingTo("3.75");
            assertThat(l.priceDriftUsd()).as("price drift").isEqualByComparingTo("0");
            assertThat(l.unexplainedUsd()).as("unexplained").isEqualByComparingTo("0");
            assertThat(l.explanation()).isEqualTo(Explanation.NOT_SEEN_BY_GATEWAY);
        });
    }
}
