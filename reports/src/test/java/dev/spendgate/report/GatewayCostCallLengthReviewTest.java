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
 * README "The gateway's own AWS cost": "Lambda bills the wall time of a call, and an LLM call takes seconds, so the
 * gateway's own AWS bill grows with the length of the calls it governs", and the report's rows are estimated "from the
 * counted operations". Each usage record carries the call's length ({@code latency_ms}; {@code ts_start} to
 * {@code ts_end}). A day of 1,000 streamed calls of 30 s each (a long reasoning answer) at 1024 MB x86_64 is billed by
 * Lambda at least 1,000 x 30 s x 1 GB x $0.0000166667 + 1,000 x $0.0000002 = $0.5002 (lambda/pricing); the report
 * prices them as 4 s calls (SPENDGATE_GATEWAY_COST_MEAN_CALL_MS's default), $0.0669: the board's estimate of Lambda,
 * the largest part of the gateway's cost, is 7.5 times too low for such a month, and nothing in it says the calls
 * were longer than assumed.
 */
class GatewayCostCallLengthReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final Instant DAY = Instant.parse("2026-11-05T00:00:00Z");
    static final int CALLS = 1_000;

    @Test
    void focus_longStreamedCalls_lambdaEstimateFollowsTheirRecordedLength() throws Exception {
        TestMonth m = new TestMonth();
        for (int i = 0; i < CALLS; i++) {
            Instant ts = DAY.plusSeconds(60L * i);
            UsageRecord r = TestMonth.record(
                    "req-long-" + i,
                    ts,
                    "openai",
                    "gpt-4o-mini",
                    TokenUsage.openAi(2_000, 0, 4_000, 0),
                    "eng",
                    "eng-1",
                    "search",
                    "s-" + i);
            m.records.add(r.toBuilder().stream(true)
                    .tsEnd(ts.plusMillis(30_000))
                    .latencyMs(30_000)
                    .upstreamMs(29_950)
                    .overheadMs(50)
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

        BigDecimal lambda = GatewayCostReportTest.sum(GatewayCostReportTest.gatewayRows(out).stream()
                .filter(r -> r.get("ServiceName").equals("AWS Lambda"))
                .toList());
        assertThat(lambda)
                .as("Lambda for 1,000 calls of 30 s at 1 GB x86_64: at least 30,000 GB-s")
                .isGreaterThanOrEqualTo(new BigDecimal("0.5002"));
    }
}
