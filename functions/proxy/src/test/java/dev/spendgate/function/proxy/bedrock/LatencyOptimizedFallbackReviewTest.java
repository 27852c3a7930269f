package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A latency-optimized request Bedrock serves at standard latency (its quota for optimized inference used up) is billed
 * at the standard rates, and the answer says so: "Once you reach the usage quota for latency optimization for a model,
 * we will attempt to serve the request with Standard latency. In such cases, the request will be charged at Standard
 * latency rates. The latency configuration for a served request is visible in API response"
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/latency-optimized-inference.html). README "Pricing", Served,
 * not requested: the tier comes from the response; the requested tier applies only when the response names none.
 * The tier is taken here exactly as {@code Price.apply} takes it (served from the tracked usage, requested from the
 * api).
 */
class LatencyOptimizedFallbackReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    @Test
    void converse_optimizedAskedButServedStandard_pricedAtStandardRates() throws Exception {
        BedrockPath path = BedrockPath.parse("/model/" + HAIKU + "/converse").orElseThrow();
        BedrockApi api = new BedrockApi(path);
        ObjectNode request = (ObjectNode) JSON.readTree("""
                {"messages":[{"role":"user","content":[{"text":"Why did the bill double?"}]}],
                 "performanceConfig":{"latency":"optimized"}}
                """);
        UsageReading reading = api.usageReading(new Headers());
        reading.onBody("""
                {"output":{"message":{"role":"assistant","content":[{"text":"The cache missed."}]}},
                 "stopReason":"end_turn","usage":{"inputTokens":1000,"outputTokens":200,"totalTokens":1200},
                 "metrics":{"latencyMs":300},"performanceConfig":{"latency":"standard"}}
                """.getBytes(StandardCharsets.UTF_8));

        CallPricer.Priced priced = price(api, path, reading.result(), request, new Headers());

        // Claude 3.5 Haiku on Bedrock, standard: 1,000 x $0.80 + 200 x $4.00 per million
        assertThat(priced.cost()).isNotNull();
        assertThat(priced.cost()).isEqualByComparingTo("0.0016");
    }

    @Test
    void invokeModel_optimizedAskedButServedStandard_pricedAtStandardRates() throws Exception {
        BedrockPath path = BedrockPath.parse("/model/" + HAIKU + "/invoke").orElseThrow();
        BedrockApi api = new BedrockApi(path);
        ObjectNode request = (ObjectNode) JSON.readTree("""
                {"anthropic_version":"bedrock-2023-05-31","max_tokens":300,
                 "messages":[{"role":"user","content":"Why did the bill double?"}]}
                """);
        Headers requestHeaders = new Headers().add("X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized");
        Headers responseHeaders = new Headers()
                .add("X-Amzn-Bedrock-Input-Token-Count", "1000")
                .add("X-Amzn-Bedrock-Output-Token-Count", "200")
                .add("X-Amzn-Bedrock-PerformanceConfig-Latency", "standard");
        UsageReading reading = api.usageReading(responseHeaders);
        reading.onBody("""
                {"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022",
                 "content":[{"type":"text","text":"The cache missed."}],"stop_reason":"end_turn",
                 "usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                 "output_tokens":200}}
                """.getBytes(StandardCharsets.UTF_8));

        CallPricer.Priced priced = price(api, path, reading.result(), request, requestHeaders);

        assertThat(priced.cost()).isNotNull();
        assertThat(priced.cost()).isEqualByComparingTo("0.0016");
    }

    private static CallPricer.Priced price(
            BedrockApi api, BedrockPath path, TrackedUsage u, ObjectNode request, Headers requestHeaders) {
        return CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        "bedrock",
                        api.modelServed(u.modelServed(), path.modelId()),
                        path.modelId(),
                        u.tokens(),
                        u.complete(),
                        u.serviceTier(),
                        api.requestedServiceTier(request, requestHeaders),
                        u.inferenceGeo(),
                        Instant.parse("2026-11-20T10:00:00Z")));
    }
}
