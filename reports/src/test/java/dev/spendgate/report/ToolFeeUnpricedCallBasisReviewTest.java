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
 * A gpt-5 Responses call whose {@code file_search} tool ran is recorded {@code unpriced} (README "Pricing": the catalog
 * has no file search fee, so the call is not priced at its tokens alone), as is one whose {@code code_interpreter} ran
 * or whose {@code image_generation} tool made an image. gpt-5 itself is in the catalog. The board PDF and the
 * chargeback, which finance reads, must not tell them the model is missing from the catalog: that sends whoever follows
 * it up to add a model price that is already there and changes nothing.
 */
class ToolFeeUnpricedCallBasisReviewTest {

    @Test
    void unpricedCallOfACataloguedModel_isNotShownAsAModelMissingFromTheCatalog() throws Exception {
        BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        // as the gateway records a gpt-5 Responses call with two file_search_call items
        // (ResponsesBuiltInToolFeesReviewIT)
        UsageRecord fileSearch = UsageRecord.builder()
                .requestId("file-search-1")
                .tsStart(t.plusSeconds(60))
                .tsEnd(t.plusSeconds(61))
                .keyId("key-1")
                .attribution(new Attribution("policy-bot", "support", "support-1", "prod", "s-f", null, null))
                .provider("openai")
                .endpoint("responses")
                .modelRequested("gpt-5")
                .modelServed("gpt-5-2025-08-07")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000, 0, 100, 64))
                .costUsd(null)
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .pricingVersion(BoardFiguresRoundTwoReviewTest.CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
        assertThat(BoardFiguresRoundTwoReviewTest.CATALOG.find("openai", "gpt-5-2025-08-07"))
                .as("gpt-5 is in the catalog")
                .isPresent();
        write(data, List.of(call("provider-1", t, "support"), fileSearch));
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        String pdf = BoardFiguresRoundTwoReviewTest.pdfText(out);
        String chargeback = new String(out.get(MonthlyReport.CHARGEBACK).orElseThrow(), StandardCharsets.UTF_8);
        String unpricedRow = pdf.lines()
                .filter(l -> l.startsWith("Unpriced calls"))
                .findFirst()
                .orElseThrow();
        assertThat(unpricedRow).startsWith("Unpriced calls 1");
        // on main: "Unpriced calls 1 model not in the catalog; cost unknown, not zero"
        assertThat(unpricedRow).doesNotContain("model not in the catalog");
        // on main: "cost unknown: 1 call of unpriced models"
        assertThat(chargeback).doesNotContain("of unpriced models");
        // what they say instead, whole (the PDF's meaning column cuts a longer text in its middle)
        assertThat(unpricedRow).endsWith("no price for model, tier or tool; cost unknown, not zero");
        assertThat(chargeback)
                .contains("cost unknown: 1 unpriced call (no catalog price for its model, tier or a tool it ran)");
    }
}
