package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The board report's "Rejected calls" (refused by the gateway or provider; nothing billed) and the console's and
 * {@code usage}'s refused calls are one count: a budget's 429 and a provider's 400 without cost are; a call whose
 * answer never arrived (unpriced) and a refusal the provider billed are not.
 */
class RejectedCallsTest {
    private static final Instant T0 = Instant.parse("2026-12-03T15:00:00Z");

    private static UsageRecord call(String id, int status, String errorType, String cost, UsageRecord.PricingStatus p) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .statusCode(status)
                .errorType(errorType)
                .tokens(TokenUsage.ZERO)
                .costUsd(cost == null ? null : new BigDecimal(cost))
                .pricingStatus(p)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    @Test
    void rejectedCalls_reportAndUsageSummary_countTheSameCalls() {
        List<UsageRecord> records = List.of(
                call("ok", 200, null, "0.005", UsageRecord.PricingStatus.PRICED),
                call("budget", 429, "budget_exceeded", null, UsageRecord.PricingStatus.NOT_BILLABLE),
                call("bad", 400, "invalid_request_error", null, UsageRecord.PricingStatus.NOT_BILLABLE),
                call("timeout", 502, "upstream_timeout", null, UsageRecord.PricingStatus.UNPRICED),
                call("billed", 400, "content_filter", "0.001", UsageRecord.PricingStatus.PRICED));
        DataQuality q = DataQuality.checked();
        UsageSummary summary = UsageSummary.groupedBy(List.of("feature"));

        records.forEach(r -> {
            q.included(r);
            summary.add(r);
        });

        assertThat(q.rejectedCalls()).isEqualTo(2);
        assertThat(q.unpricedCalls()).isEqualTo(1);
        assertThat(summary.total().rejectedCalls()).isEqualTo(q.rejectedCalls());
    }
}
