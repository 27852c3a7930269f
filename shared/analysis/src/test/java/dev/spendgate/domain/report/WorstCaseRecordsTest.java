package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A call that never settled reaches the report as a record with the reserved worst case as its cost and no tokens
 * ({@code cost_basis: reserved_worst_case}): summed, not quarantined, and shown as estimated.
 */
class WorstCaseRecordsTest {
    private static final Instant T0 = Instant.parse("2026-12-03T15:00:00Z");
    private static final CostCheck CHECK = CostCheck.against(PricingCatalog.bundled());

    private static UsageRecord.Builder call(String id, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusSeconds(960))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED);
    }

    @Test
    void check_worstCaseWithoutTokens_isSummedNotQuarantined() {
        UsageRecord worstCase = call("req-1", "0.1650")
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        UsageRecord sameCostAsProviderFigure = call("req-2", "0.1650")
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();

        assertThat(CHECK.check(worstCase)).isEmpty();
        assertThat(CHECK.check(sameCostAsProviderFigure))
                .as("without cost_basis, a cost with no tokens is implausible")
                .contains(CostCheck.Reason.IMPLAUSIBLE_COST);
    }

    @Test
    void included_worstCaseRecords_areCountedAsEstimatedWithTheirAmount() {
        DataQuality q = DataQuality.checked();

        q.included(call("req-1", "0.1650")
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build());
        q.included(call("req-2", "0.0350")
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build());
        q.included(call("req-3", "0.0025")
                .tokens(new TokenUsage(100, 0, 0, 0, 50, 0))
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());

        assertThat(q.includedCalls()).isEqualTo(3);
        assertThat(q.estimatedCalls()).isEqualTo(2);
        assertThat(q.worstCaseCalls()).isEqualTo(2);
        assertThat(q.worstCaseUsd()).isEqualByComparingTo("0.2");
    }
}
