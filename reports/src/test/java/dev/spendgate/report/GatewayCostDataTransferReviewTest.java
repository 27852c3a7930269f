package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the FOCUS export and the board PDF gain "the gateway's own AWS cost ... so the board sees the total cost of
 * AI". Every proxied call sends its whole prompt from the proxy Lambda to the provider on the internet, and Lambda's
 * pricing page bills data transferred out of a function "at the EC2 data transfer rates" ($0.09 per GB out to the
 * internet, us-east-1 first tier; README: free tiers are left out), and API Gateway bills its responses' data out at
 * the same rate. The model has no data transfer at all: for a day of 1,000 calls of 100,000 input tokens each (a RAG
 * or agent prompt; at least one byte of text per token, about four in practice) at least 10^8 bytes = 0.0931 GiB left
 * AWS, at least $0.0084 (about $0.034 at four bytes a token), beyond the per-call services the model prices
 * ($0.0747 for those calls), so the estimate is short by at least 11 % here and by about $34 per million such calls.
 */
class GatewayCostDataTransferReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final Instant DAY = Instant.parse("2026-11-05T00:00:00Z");
    static final int CALLS = 1_000;

    @Test
    void focus_largePrompts_estimateIncludesTheDataTransferOut() throws Exception {
        TestMonth m = new TestMonth();
        for (int i = 0; i < CALLS; i++) {
            m.records.add(TestMonth.record(
                    "req-rag-" + i,
                    DAY.plusSeconds(60L * i),
                    "openai",
                    "gpt-4o-mini",
                    TokenUsage.openAi(100_000, 0, 500, 0),
                    "eng",
                    "eng-1",
                    "search",
                    "s-" + i));
        }
        MapObjectStore data = new MapObjectStore();
        m.writeTo(data);
        MapObjectStore out = new MapObjectStore();
        CallProfile profile = CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE);
        GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);

        GatewayCostReportTest.report()
                .withGatewayCost(new GatewayCostRows(profile, model))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        BigDecimal estimate = GatewayCostReportTest.sum(GatewayCostReportTest.gatewayRows(out));
        BigDecimal perCallServices = model.cost(profile, CALLS).total();
        // 10^8 bytes / 2^30 x $0.09 = $0.00838
        BigDecimal transferOut = new BigDecimal("100000000")
                .divide(BigDecimal.valueOf(1L << 30), 10, java.math.RoundingMode.HALF_UP)
                .multiply(new BigDecimal("0.09"));
        assertThat(estimate)
                .as(
                        "the day's estimate vs the per-call services ($%s) plus at least $%s of prompts sent out",
                        perCallServices, transferOut)
                .isGreaterThanOrEqualTo(perCallServices.add(transferOut));
    }
}
