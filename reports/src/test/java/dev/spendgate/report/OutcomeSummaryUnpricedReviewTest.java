package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/**
 * The board PDF's summary paragraph on cost per outcome, for an outcome whose calls had no known cost.
 *
 * <p>README "Outcomes and cost per outcome": "Calls of unpriced models behind an outcome are counted in its row: an
 * outcome with only such calls shows its attributed cost as {@code unknown} ... (cost unknown, not zero)". The board's
 * "Cost per outcome" table does so. The summary on the first page, which a board member reads first, is written from
 * the same figures and must not state a known $0.
 */
class OutcomeSummaryUnpricedReviewTest {

    /**
     * Support moved its bot to a model the catalog does not price yet: its session s-9 (20 calls) resolved a ticket.
     * Another team's priced calls keep the month's total above zero.
     */
    @Test
    void report_outcomeOfUnpricedCalls_summaryDoesNotSayItCostNothing() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        month.records.add(call("req-priced", t, "key-eng", "search", "eng", "s-1", 2_000, 200));
        for (int i = 0; i < 20; i++) {
            month.records.add(UsageRecord.builder()
                    .requestId("req-unpriced-" + i)
                    .tsStart(t.plusSeconds(60L * i))
                    .tsEnd(t.plusSeconds(60L * i + 2))
                    .keyId("key-support")
                    .attribution(new Attribution("support-chat", "support", "support-1", "prod", "s-9", null, null))
                    .provider("openai")
                    .endpoint("/v1/chat/completions")
                    .modelRequested("gpt-9-preview")
                    .modelServed("gpt-9-preview")
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(40_000, 0, 3_000, 0))
                    .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build());
        }
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(t.plusSeconds(3_000), "s-9", null, "ticket_resolved", 1, "key-support"));
        MapObjectStore out = new MapObjectStore();

        OutcomeCostReviewTest.report()
                .run(OutcomeCostReviewTest.NOVEMBER, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        String text;
        try (PDDocument pdf = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(pdf);
        }
        int from = text.indexOf("Summary");
        int to = text.indexOf("Daily spend", from);
        String summary = text.substring(from, to).replaceAll("\\s+", " ");
        assertThat(summary).as("the summary's cost per outcome").contains("ticket_resolved");
        // the table prints the attributed cost as "unknown"; the summary states $0.0000 fully loaded and attributed
        assertThat(summary)
                .as("the summary's cost per outcome for a ticket whose 20 calls were all unpriced")
                .doesNotContain("ticket_resolved $0.0000")
                .doesNotContain("$0.0000 attributed");
    }
}
