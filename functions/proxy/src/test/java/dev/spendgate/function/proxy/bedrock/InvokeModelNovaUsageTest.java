package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * InvokeModel on a non-Anthropic model whose body has its own {@code usage} object (Amazon Nova: camelCase
 * {@code inputTokens}/{@code outputTokens}) is priced from the tokens Bedrock billed, never as a $0 call.
 */
class InvokeModelNovaUsageTest {

    @Test
    void invokeModel_novaBodyWithCamelCaseUsage_pricedFromBedrocksCounts() {
        BedrockPath path =
                BedrockPath.parse("/model/us.amazon.nova-pro-v1:0/invoke").orElseThrow();
        Headers headers = new Headers()
                .add("X-Amzn-Bedrock-Input-Token-Count", "1200")
                .add("X-Amzn-Bedrock-Output-Token-Count", "300");
        UsageReading reading = new BedrockApi(path).usageReading(headers);
        reading.onBody("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Because the cache missed."}]}},\
                "stopReason":"end_turn","usage":{"inputTokens":1200,"outputTokens":300,"totalTokens":1500,\
                "cacheReadInputTokenCount":0,"cacheWriteInputTokenCount":0}}
                """.getBytes(StandardCharsets.UTF_8));

        TrackedUsage u = reading.result();
        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        "bedrock",
                        u.modelServed(),
                        path.modelId(),
                        u.tokens(),
                        u.complete(),
                        u.serviceTier(),
                        null,
                        u.inferenceGeo(),
                        Instant.parse("2026-11-20T10:00:00Z")));

        assertThat(u.tokens().inputTokens()).isEqualTo(1200);
        // Nova Pro on Bedrock: 1,200 x 0.80 + 300 x 3.20 per million
        assertThat(priced.cost()).isEqualByComparingTo("0.00192");
    }
}
