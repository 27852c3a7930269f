package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A Converse call served latency-optimized whose answer also names the on-demand tier it ran in
 * ({@code "serviceTier":{"type":"default"}} beside {@code "performanceConfig":{"latency":"optimized"}}) is billed at
 * the latency-optimized rates (https://aws.amazon.com/bedrock/pricing/, "Latency optimized inference": Claude 3.5 Haiku
 * $1.00 / $5.00 per million against $0.80 / $4.00 standard). The catalog has no such rates, so README "Pricing" (No
 * rates, no price) wants the call unpriced, "never priced at another tier's rates" - as InvokeModel does for the same
 * pair of headers ({@link InvokeTierHeaders}: a standard tier with latency optimized is optimized).
 */
class ConverseLatencyBesideTierReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    @Test
    void converse_servedOptimizedWithDefaultTier_neverPricedAtStandard() throws Exception {
        BedrockPath path = BedrockPath.parse("/model/" + HAIKU + "/converse").orElseThrow();
        BedrockApi api = new BedrockApi(path);
        ObjectNode request = (ObjectNode) JSON.readTree("""
                {"messages":[{"role":"user","content":[{"text":"Why did the bill double?"}]}],
                 "serviceTier":{"type":"default"},"performanceConfig":{"latency":"optimized"}}
                """);
        UsageReading reading = api.usageReading(new Headers());
        reading.onBody("""
                {"output":{"message":{"role":"assistant","content":[{"text":"The cache missed."}]}},
                 "stopReason":"end_turn","usage":{"inputTokens":1000,"outputTokens":200,"totalTokens":1200},
                 "metrics":{"latencyMs":90},"serviceTier":{"type":"default"},
                 "performanceConfig":{"latency":"optimized"}}
                """.getBytes(StandardCharsets.UTF_8));
        TrackedUsage u = reading.result();

        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        "bedrock",
                        api.modelServed(u.modelServed(), path.modelId()),
                        path.modelId(),
                        u.tokens(),
                        u.complete(),
                        u.serviceTier(),
                        api.requestedServiceTier(request, new Headers()),
                        u.inferenceGeo(),
                        Instant.parse("2026-11-20T10:00:00Z")));

        assertThat(ServiceTiers.canonical(u.serviceTier())).isEqualTo(ServiceTiers.LATENCY_OPTIMIZED);
        // never the standard $0.0016 (1,000 x $0.80 + 200 x $4.00 per million): Bedrock billed $0.002
        assertThat(priced.cost()).isNull();
    }
}
