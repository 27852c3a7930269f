package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README "Budgets": "Without a budget, locally, each forwarded call's entry is journaled ... so a call killed in flight"
 * is recorded at the next start with {@code cost_basis: reserved_worst_case}, {@code error_type: unsettled},
 * {@code cost_usd} empty and {@code pricing_status: unpriced} (functions/proxy UnsettledCalls#record): a gpt-4o-mini
 * call, whose model the catalog prices, that the provider billed and whose cost nobody knows. November holds two
 * provider-reported calls ($0.42) and one such record. The board PDF's data-quality table explains the unpriced call
 * as "model not in the catalog", and chargeback.csv's note as "cost unknown: 1 calls of unpriced models": finance (or
 * the operator it asks) looks for a model missing from the catalog, finds gpt-4o-mini priced, and is not told the
 * gateway was killed while the call was in flight. The narrative names both causes ("a model missing from the pricing
 * catalog, or a provider whose answer never arrived whole"); the table and the GL line do not.
 */
class KilledCallUnpricedBasisReviewTest {

    @Test
    void run_callKilledInFlightWithoutBudget_pdfAndChargebackDoNotBlameTheCatalog() throws Exception {
        BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        // as UnsettledCalls.record writes it for an entry that reserved nothing (no budget applies)
        UsageRecord killed = UsageRecord.builder()
                .requestId("killed-1")
                .tsStart(t.plusSeconds(120))
                .tsEnd(t.plusSeconds(3_600))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", "support", "support-1", "prod", "s-k", null, null))
                .provider("openai")
                .endpoint("/v1/chat/completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(0)
                .tokens(TokenUsage.ZERO)
                .costUsd(null)
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        write(
                data,
                List.of(call("provider-1", t, "support"), call("provider-2", t.plusSeconds(60), "support"), killed));
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();
        MonthlyReport.Result result = report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        assertThat(result.quality().unpricedCalls()).isEqualTo(1);
        assertThat(BoardFiguresRoundTwoReviewTest.CATALOG.find("openai", "gpt-4o-mini"))
                .as("the model is in the catalog")
                .isPresent();
        String pdf = BoardFiguresRoundTwoReviewTest.pdfText(out);
        String unpricedRow = pdf.lines()
                .filter(l -> l.startsWith("Unpriced calls"))
                .findFirst()
                .orElseThrow();
        String chargeback = new String(out.get(MonthlyReport.CHARGEBACK).orElseThrow(), StandardCharsets.UTF_8);
        // the catalog was blamed as "model not in the catalog" / "of unpriced models", then as "no price for model,
        // tier or tool" / "no catalog price for its model, tier or a tool it ran": the call's cause must be named
        assertThat(unpricedRow)
                .as("the PDF's reason for the one unpriced call, a gpt-4o-mini call the gateway was killed during")
                .doesNotContain("model not in the catalog")
                .doesNotContain("no price for")
                .contains("gateway");
        String supportLine = chargeback
                .lines()
                .filter(l -> l.contains("support"))
                .findFirst()
                .orElseThrow();
        assertThat(supportLine)
                .as("chargeback.csv's note for the support line")
                .doesNotContain("of unpriced models")
                .doesNotContain("no catalog price")
                .contains("gateway");
    }
}
