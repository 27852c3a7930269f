package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Fully loaded cost per outcome counts the calls of unpriced models of every session of its features, not only of the
 * sessions that produced it: the successful chat s-1 is priced, 3 failed chats ran on a model the catalog does not
 * price, one failed chat (s-2) on a priced model.
 */
class OutcomeFullyLoadedUnpricedTest {

    @Test
    void report_failedSessionsOnAnUnpricedModel_fullyLoadedIsAtLeastThePricedSpendAndNamesThem() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        month.records.add(call("req-ok", t, "key-support", "support-chat", "support", "s-1", 2_000, 200));
        month.records.add(
                call("req-failed", t.plusSeconds(30), "key-support", "support-chat", "support", "s-2", 2_000, 200));
        for (int i = 0; i < 3; i++) {
            month.records.add(UsageRecord.builder()
                    .requestId("req-unpriced-" + i)
                    .tsStart(t.plusSeconds(600L + 60L * i))
                    .tsEnd(t.plusSeconds(600L + 60L * i + 2))
                    .keyId("key-support")
                    .attribution(
                            new Attribution("support-chat", "support", "support-1", "prod", "s-fail-" + i, null, null))
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
                .record(new Outcome(t.plusSeconds(3_000), "s-1", null, "ticket_resolved", 1, "key-support"));

        MonthlyReport.Result result = OutcomeCostReviewTest.report()
                .run(
                        OutcomeCostReviewTest.NOVEMBER,
                        MonthlyUsageSource.fromLog(data),
                        data,
                        new MapObjectStore(),
                        "",
                        null,
                        false);

        MonthlyFigures.OutcomeCost o = result.figures().outcomes().get(0);
        // attributed: s-1 alone, priced; fully loaded: s-1 and s-2 priced, 3 calls of unknown cost
        assertThat(o.unpricedCalls()).isZero();
        assertThat(o.attributedShown()).doesNotContain("+").doesNotContain("unknown");
        assertThat(o.fullyLoadedUnpricedCalls()).isEqualTo(3);
        assertThat(o.fullyLoadedCostUsd())
                .isEqualByComparingTo(
                        month.records.get(0).costUsd().add(month.records.get(1).costUsd()));
        assertThat(o.fullyLoadedShown()).endsWith(" +");
        assertThat(o.featureSpendShown()).endsWith(" +");
    }
}
