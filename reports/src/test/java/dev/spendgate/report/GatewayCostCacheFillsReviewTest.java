package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/**
 * README "Routing and caching", stores: a miss's "successful, priced answer is kept"; in AWS the answer is the item
 * {@code cache#<key>} of the budgets table and "each fill takes the next number from cachecount#<feature> (an atomic
 * ADD) and writes slot number mod max_entries (cacheslot#...) ... for two more writes per fill (fills happen on misses
 * only)". So a priced miss on a cached feature makes at least 3 DynamoDB writes (the answer, at least 1 write unit per
 * KB, the counter and the slot) beyond the 6 of a call with one budget (README "The gateway's own AWS cost"). At
 * $0.625 per million write units (dynamodb/pricing/on-demand) 1,000 such misses are at least 9,000 WRU = $0.005625.
 * The report's records say {@code cache: miss}, yet it prices them as uncached calls: $0.0038125 (6,000 WRU and 500
 * RRU). With a semantic rule each fill also rewrites the prefix's index item, up to 350 KB (350 write units).
 */
class GatewayCostCacheFillsReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final Instant DAY = Instant.parse("2026-11-05T00:00:00Z");
    static final int MISSES = 1_000;

    @Test
    void focus_cacheMissesThatFill_priceTheCacheWrites() throws Exception {
        TestMonth m = new TestMonth();
        for (int i = 0; i < MISSES; i++) {
            UsageRecord r = TestMonth.record(
                    "req-miss-" + i,
                    DAY.plusSeconds(60L * i),
                    "openai",
                    "gpt-4o-mini",
                    TokenUsage.openAi(1_000, 0, 300, 0),
                    "support",
                    "support-1",
                    "faq",
                    "s-" + i);
            m.records.add(r.toBuilder()
                    .optimization(new UsageRecord.Optimization(null, "miss", null, null))
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

        BigDecimal dynamoDb = GatewayCostReportTest.sum(GatewayCostReportTest.gatewayRows(out).stream()
                .filter(r -> r.get("ServiceName").equals("Amazon DynamoDB"))
                .toList());
        assertThat(dynamoDb)
                .as("DynamoDB for 1,000 priced misses that fill the cache: at least 9,000 write units")
                .isGreaterThanOrEqualTo(new BigDecimal("0.005625"));
    }
}
