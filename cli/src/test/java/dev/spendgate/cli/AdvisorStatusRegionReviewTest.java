package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Session 25 review (rev25d): what {@code advisor status} credits a routing rule with, for a call Anthropic ran
 * US-only ({@code inference_geo: us}, billed 1.1x on Claude Opus 4.6 and Sonnet 4.6: the catalog's
 * {@code region_multipliers}).
 */
class AdvisorStatusRegionReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();

    /**
     * A call asked for claude-opus-4-6, routed to claude-sonnet-4-6 and billed US-only: 1,000 input and 100 output
     * tokens at Sonnet 4.6's $3/$15 x 1.1 = $0.00495. Without the rule Anthropic would have billed it at Opus 4.6's
     * $5/$25 x 1.1 = $0.00825 (the request's inference_geo does not change with the model), so the rule recovered
     * $0.0033. The status prices the model asked without the multiplier, $0.0075, and credits $0.00255.
     */
    @Test
    void counterfactual_usGeoRoutedCall_keepsTheRegionMultiplier() {
        TokenUsage tokens = new TokenUsage(1_000, 0, 0, 0, 100, 0);
        Instant t = Instant.parse("2026-10-05T08:00:00Z");
        BigDecimal paid = CATALOG.find("anthropic", "claude-sonnet-4-6", t)
                .orElseThrow()
                .quote(tokens, null, "us")
                .orElseThrow()
                .cost();
        assertThat(paid).isEqualByComparingTo("0.00495");
        UsageRecord routed = UsageRecord.builder()
                .requestId("r1")
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("key_1")
                .attribution(new Attribution("extract", "finance", null, "production", null, null, null))
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-opus-4-6")
                .modelServed("claude-sonnet-4-6")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(paid)
                .inferenceGeo("us")
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .optimization(new UsageRecord.Optimization("advisor-extract-claude-opus-4-6", null, null, null))
                .build();

        BigDecimal withoutRule = new RouteCounterfactual(CallPricer.create(CATALOG))
                .cost(routed, "claude-opus-4-6")
                .orElseThrow();

        assertThat(withoutRule).isEqualByComparingTo("0.00825");
        assertThat(withoutRule.subtract(paid)).isEqualByComparingTo("0.0033");
    }
}
