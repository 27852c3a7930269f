package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What {@code advisor apply} prints as "would have saved" and {@code simulate --through-gateway-policy} records: a
 * routed call as the gateway would have billed and recorded it.
 */
class GatewayPolicyReplayPricingTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1M in, 500k out. */
    private static final TokenUsage BIG = new TokenUsage(1_000_000, 0, 0, 0, 500_000, 0);

    /**
     * A flex call keeps its {@code service_tier} when a rule routes it, and the gateway prices the served tier
     * ({@code CallPricer}): gpt-5-mini flex, $0.625. The replay prices the target at its standard rates ($1.25), so a
     * rule on flex traffic is shown saving $1.875 where it saves $2.50 (and one on priority traffic more than it does).
     *
     * <pre>
     * gpt-5 flex      1M x $0.625 + 0.5M x $5.00 = $3.125 (recorded)
     * gpt-5-mini flex 1M x $0.125 + 0.5M x $1.00 = $0.625 (what the gateway bills after routing)
     * </pre>
     */
    @Test
    void apply_flexCallRouted_pricesTheTargetAtTheServedTier() {
        GatewayPolicy policy = GatewayPolicy.parse("""
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-5>gpt-5-mini"]},
                 "routes": [{"id": "extract-mini", "from": "gpt-5", "to": "gpt-5-mini", "feature": "extract"}]}
                """.getBytes(StandardCharsets.UTF_8));
        BigDecimal recorded = CATALOG.find("openai", "gpt-5")
                .orElseThrow()
                .quote(BIG, "flex", null)
                .orElseThrow()
                .cost();
        assertThat(recorded).isEqualByComparingTo("3.125");
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        UsageRecord call = UsageRecord.builder()
                .requestId("r1")
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("key_1")
                .attribution(new Attribution("extract", "finance", null, "production", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-5")
                .modelServed("gpt-5-2025-08-07")
                .serviceTierRequested("flex")
                .serviceTierServed("flex")
                .statusCode(200)
                .tokens(BIG)
                .costUsd(recorded)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy);

        UsageRecord routed = replay.apply(call);

        assertThat(routed.optimization().routedBy()).isEqualTo("extract-mini");
        assertThat(routed.costUsd()).isEqualByComparingTo("0.625");
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("2.5");
    }

    /**
     * The gateway records a cache hit with no tokens and {@code usage_source: none} (no model ran; README, response
     * cache). The replay's hit keeps the call's tokens and usage source, so a month written by {@code simulate
     * --through-gateway-policy} shows tokens no model processed, and {@code advisor status} prices them again.
     */
    @Test
    void apply_cacheHit_isRecordedAsTheGatewayRecordsAHit() {
        GatewayPolicy policy = GatewayPolicy.parse("""
                {"format_version": 1,
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                """.getBytes(StandardCharsets.UTF_8));
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy);
        BigDecimal cost = CATALOG.find("openai", "gpt-4o-mini").orElseThrow().cost(BIG);
        UsageRecord hit = null;
        for (int i = 0; i < 2; i++) {
            Instant t = Instant.parse("2026-10-05T10:00:00Z").plusSeconds(60L * i);
            hit = replay.apply(UsageRecord.builder()
                    .requestId("r" + i)
                    .tsStart(t)
                    .tsEnd(t.plusSeconds(1))
                    .keyId("key_1")
                    .attribution(new Attribution("faq", "support", null, "production", null, null, null))
                    .provider("openai")
                    .endpoint("chat.completions")
                    .modelRequested("gpt-4o-mini")
                    .modelServed("gpt-4o-mini-2024-07-18")
                    .statusCode(200)
                    .tokens(BIG)
                    .costUsd(cost)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .fingerprints(new UsageRecord.Fingerprints("sys", "prefix", "same", "0f0f0f0f0f0f0f0f"))
                    .build());
        }

        assertThat(hit.optimization().cache()).isEqualTo("hit");
        assertThat(hit.costUsd()).isEqualByComparingTo("0");
        assertThat(hit.tokens()).isEqualTo(TokenUsage.ZERO);
        assertThat(hit.usageSource()).isEqualTo(UsageRecord.UsageSource.NONE);
    }
}
