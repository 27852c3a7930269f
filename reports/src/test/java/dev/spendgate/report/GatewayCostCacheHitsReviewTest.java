package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
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
 * README "Routing and caching": a response-cache hit is "Looked up before budgets are touched: a hit is answered by
 * Spendgate, spends no budget, costs $0 and is recorded with cache: hit", answered "+0.41 ms over the upstream's own
 * time". README "The gateway's own AWS cost": DynamoDB writes are "none without a budget, with budgets a journal put
 * ..., a reserve and a settle per budget, the journal entry's confirmation, its settled mark and its delete" (6 with
 * one budget), and Lambda bills "the wall time of a call". A hit makes none of those six writes (no reservation, no
 * journal) and its invocation lasts milliseconds, not the 4 s LLM call. For a day of 1,000 hits (latency 3 ms) the
 * DynamoDB estimate is reads only: the answer item (0.5 read unit per 4 KB, eventually consistent) and the cached
 * key look-ups, at most 2 read units a hit at $0.125 per million = $0.00025; Lambda at most 1,000 x 0.1 s x 1 GB x
 * $0.0000166667 + 1,000 x $0.0000002 = $0.0019. The report prices every hit as a proxied call with its budget:
 * DynamoDB $0.0038 (6,000 write units that never happen) and Lambda $0.0669 (4,000 GB-s), so a feature that the
 * cache serves well is charged more gateway cost on the board than it is.
 */
class GatewayCostCacheHitsReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final Instant DAY = Instant.parse("2026-11-05T00:00:00Z");
    static final int HITS = 1_000;

    @Test
    void focus_cacheHits_areNotPricedWithBudgetWritesOrTheLlmCallsDuration() throws Exception {
        TestMonth m = new TestMonth();
        for (int i = 0; i < HITS; i++) {
            Instant ts = DAY.plusSeconds(60L * i);
            m.records.add(UsageRecord.builder()
                    .requestId("req-hit-" + i)
                    .tsStart(ts)
                    .tsEnd(ts.plusMillis(3))
                    .keyId("key-1")
                    .attribution(new Attribution("faq", "support", "support-1", "prod", null, null, null))
                    .provider("openai")
                    .endpoint("/v1/chat/completions")
                    .modelRequested("gpt-4o-mini")
                    .modelServed("gpt-4o-mini")
                    .statusCode(200)
                    .tokens(TokenUsage.ZERO)
                    .costUsd(BigDecimal.ZERO)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .pricingVersion(TestMonth.CATALOG.version())
                    .usageSource(UsageRecord.UsageSource.NONE)
                    .latencyMs(3)
                    .optimization(new UsageRecord.Optimization(null, "hit", new BigDecimal("0.00042"), null))
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
        BigDecimal dynamoDb = GatewayCostReportTest.sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("Amazon DynamoDB"))
                .toList());
        BigDecimal lambda = GatewayCostReportTest.sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("AWS Lambda"))
                .toList());
        assertThat(dynamoDb)
                .as("DynamoDB for 1,000 cache hits: reads only, no budget or journal writes")
                .isLessThanOrEqualTo(new BigDecimal("0.00025"));
        assertThat(lambda)
                .as("Lambda for 1,000 cache hits of 3 ms: at most 100 ms billed each at 1 GB")
                .isLessThanOrEqualTo(new BigDecimal("0.0019"));
    }
}
