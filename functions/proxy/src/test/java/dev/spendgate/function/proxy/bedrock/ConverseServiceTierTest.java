package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.usage.UsageTracker;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConverseServiceTierTest {

    @Test
    void converseBody_servedTierAndLatencyOptimized_areRead() {
        UsageTracker priority = BedrockOperation.CONVERSE.tracker();
        priority.onBody(("{\"usage\":{\"inputTokens\":10,\"outputTokens\":2},\"serviceTier\":{\"type\":\"priority\"}}")
                .getBytes(StandardCharsets.UTF_8));
        UsageTracker optimized = BedrockOperation.CONVERSE.tracker();
        optimized.onBody(("{\"usage\":{\"inputTokens\":10,\"outputTokens\":2},"
                        + "\"performanceConfig\":{\"latency\":\"optimized\"}}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(priority.result().serviceTier()).isEqualTo("priority");
        assertThat(optimized.result().serviceTier()).isEqualTo("optimized");
    }

    @Test
    void converseStreamMetadata_servedTier_isRead() {
        UsageTracker tracker = BedrockOperation.CONVERSE_STREAM.tracker();
        tracker.onEvent(
                "metadata", "{\"usage\":{\"inputTokens\":10,\"outputTokens\":2},\"serviceTier\":{\"type\":\"flex\"}}");

        assertThat(tracker.result().serviceTier()).isEqualTo("flex");
        assertThat(tracker.result().complete()).isTrue();
    }
}
