package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How much of a month's total rests on estimates, in {@code data-quality.json} as in the PDF: a call with the
 * provider's usage ($0.21), a stream cut before its usage ($0.21 on tokens the gateway counted) and a call that never
 * settled ($0.05, its reserved worst case). Of the $0.47 total, $0.26 is estimated.
 */
class EstimatedSpendDataQualityTest {

    @Test
    void dataQualityJson_estimatedCalls_carryTheirDollarsBesideTheirCount() throws Exception {
        BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        UsageRecord unsettled = UsageRecord.builder()
                .requestId("unsettled-1")
                .tsStart(t.plusSeconds(120))
                .tsEnd(t.plusSeconds(121))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", "support", "support-1", "prod", "s-u", null, null))
                .provider("openai")
                .endpoint("/v1/chat/completions")
                .modelRequested("gpt-4o-mini")
                .statusCode(0)
                .tokens(TokenUsage.ZERO)
                .costUsd(new BigDecimal("0.05"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(BoardFiguresRoundTwoReviewTest.CATALOG.version())
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        write(
                data,
                List.of(
                        call("provider-1", t, "support"),
                        call("cut-1", t.plusSeconds(60), "support", UsageRecord.UsageSource.ESTIMATED),
                        unsettled));
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        JsonNode q =
                new ObjectMapper().readTree(out.get(MonthlyReport.DATA_QUALITY).orElseThrow());
        assertThat(q.path("calls").path("estimated").asLong()).isEqualTo(2);
        assertThat(q.path("calls").path("estimated_usd").asText()).isEqualTo("0.26");
        assertThat(q.path("calls").path("worst_case_usd").asText()).isEqualTo("0.05");
        assertThat(q.path("summary").asText()).contains("2 estimated ($0.26 of the total)");
        assertThat(BoardFiguresRoundTwoReviewTest.pdfText(out))
                .contains("$0.47")
                .contains("$0.26 of the total")
                .as("the worst-case row keeps its amount (its meaning was cut in the middle, amount and all)")
                .contains("$0.05 at the worst case reserved, not billed");
    }
}
