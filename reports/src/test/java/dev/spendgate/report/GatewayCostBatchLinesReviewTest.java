package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * README "The gateway's own AWS cost": the report's rows are "estimates from the day's call count (every call of the
 * day, refused and unpriced ones too: each ran the proxy)", each priced as one API Gateway request, one Lambda
 * invocation billed for the mean call and the budget writes. README "Batch APIs": fetching a batch's results "adds one
 * usage record per result line", and in AWS unfetched results are recorded by the scheduled sweep invocation, so a
 * batch of 10,000 requests is one create call and one results fetch (or none): its 10,000 records never went through
 * API Gateway or a Lambda invocation each. At $3.50 per million REST requests (api-gateway/pricing) the day of one
 * live call and one such batch has at most a handful of API Gateway requests, under $0.000035; the report bills
 * 10,001 requests ($0.035), 10,001 Lambda invocations of 4 s at 1 GB ($0.67) and 60,006 DynamoDB writes that never
 * happened: a provider batch (the cheapest way to run many requests) inflates the board's "total cost of AI" by
 * about $75 per million batch lines.
 */
class GatewayCostBatchLinesReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final Instant DAY = Instant.parse("2026-11-05T00:00:00Z");
    static final int BATCH_LINES = 10_000;

    @Test
    void focus_batchResultLines_areNotPricedAsProxiedCalls() throws Exception {
        TestMonth m = new TestMonth();
        TokenUsage tokens = TokenUsage.openAi(1_000, 0, 200, 0);
        ModelPrice mini = TestMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        m.records.add(TestMonth.record(
                "req-live", DAY.plusSeconds(3_600), "openai", "gpt-4o-mini", tokens, "eng", "eng-1", "search", "s-1"));
        for (int i = 0; i < BATCH_LINES; i++) {
            Instant ended = DAY.plusSeconds(7_200);
            m.records.add(UsageRecord.builder()
                    .requestId("batch_abc/line-" + i)
                    .tsStart(ended)
                    .tsEnd(ended)
                    .keyId("key-1")
                    .attribution(new Attribution("search", "eng", "eng-1", "prod", null, null, null))
                    .provider("openai")
                    .endpoint("batches")
                    .modelRequested("gpt-4o-mini")
                    .modelServed("gpt-4o-mini")
                    .statusCode(200)
                    .tokens(tokens)
                    .costUsd(mini.quote(tokens, "batch", null).orElseThrow().cost())
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .pricingVersion(TestMonth.CATALOG.version())
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .serviceTierServed("batch")
                    .batchId("batch_abc")
                    .build());
        }
        MapObjectStore data = new MapObjectStore();
        m.writeTo(data);
        MapObjectStore out = new MapObjectStore();

        GatewayCostReportTest.report()
                .withGatewayCost(new GatewayCostRows(
                        CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE),
                        GatewayCostModel.create(AwsPrices.US_EAST_1)))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        List<CSVRecord> rows = GatewayCostReportTest.gatewayRows(out);
        BigDecimal apiGateway = GatewayCostReportTest.sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("Amazon API Gateway"))
                .toList());
        BigDecimal lambda = GatewayCostReportTest.sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("AWS Lambda"))
                .toList());
        assertThat(apiGateway)
                .as("API Gateway for one live call, one batch create and one results fetch: at most 10 requests")
                .isLessThanOrEqualTo(new BigDecimal("0.000035"));
        // 10 invocations of 4 s at 1 GB x86_64: 40 GB-s x $0.0000166667 + 10 x $0.0000002
        assertThat(lambda)
                .as("Lambda for a handful of invocations, not one 4 s invocation per batch line")
                .isLessThanOrEqualTo(new BigDecimal("0.000669"));
    }
}
