package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * InvokeModel names its tier in headers: what the request asked for is recorded as requested, and what Bedrock's
 * response header says it served is the tier the call is priced at, whatever the model's body says.
 */
class InvokeTierHeadersTest {
    private static final String ANTHROPIC_BODY = "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-sonnet-4\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\","
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":2,\"service_tier\":\"standard\"}}";

    private static BedrockApi api(String operation) {
        return new BedrockApi(BedrockPath.parse("/model/anthropic.claude-sonnet-4-20250514-v1:0/" + operation)
                .orElseThrow());
    }

    @Test
    void invokeResponse_tierHeader_isTheServedTierOverTheBodys() {
        UsageReading flexFellBack =
                api("invoke").usageReading(new Headers().add("X-Amzn-Bedrock-Service-Tier", "default"));
        flexFellBack.onBody(ANTHROPIC_BODY.getBytes(StandardCharsets.UTF_8));
        UsageReading priority =
                api("invoke").usageReading(new Headers().add("x-amzn-bedrock-service-tier", "priority"));
        priority.onBody(ANTHROPIC_BODY.getBytes(StandardCharsets.UTF_8));
        UsageReading optimized =
                api("invoke").usageReading(new Headers().add("X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized"));
        optimized.onBody(ANTHROPIC_BODY.getBytes(StandardCharsets.UTF_8));

        assertThat(flexFellBack.result().serviceTier()).isEqualTo("default");
        assertThat(priority.result().serviceTier()).isEqualTo("priority");
        assertThat(optimized.result().serviceTier()).isEqualTo("optimized");
    }

    @Test
    void requestedTier_invokeReadsHeadersConverseReadsTheBody() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Headers priority = new Headers().add("X-Amzn-Bedrock-Service-Tier", "priority");
        ObjectNode converseFlex = JsonNodeFactory.instance.objectNode();
        converseFlex.putObject("serviceTier").put("type", "flex");
        ObjectNode converseOptimized = JsonNodeFactory.instance.objectNode();
        converseOptimized.putObject("serviceTier").put("type", "default");
        converseOptimized.putObject("performanceConfig").put("latency", "optimized");

        assertThat(api("invoke").requestedServiceTier(body, priority)).isEqualTo("priority");
        assertThat(api("invoke-with-response-stream").requestedServiceTier(body, priority))
                .isEqualTo("priority");
        assertThat(api("invoke").requestedServiceTier(body, new Headers())).isNull();
        // latency standard asks no tier: no service_tier_requested (an answer saying it is served standard)
        assertThat(api("invoke")
                        .requestedServiceTier(
                                body, new Headers().add("X-Amzn-Bedrock-PerformanceConfig-Latency", "standard")))
                .isNull();
        assertThat(api("converse").requestedServiceTier(converseFlex, priority)).isEqualTo("flex");
        // reserved at the latency-optimized rates Bedrock bills, not at default's
        assertThat(api("converse").requestedServiceTier(converseOptimized, new Headers()))
                .isEqualTo("optimized");
    }
}
