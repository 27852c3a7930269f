package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A negative token count is no count (OpenAI has answered o3 calls with {@code "completion_tokens": -35}): the usage is
 * incomplete, so the call is estimated, and the counts that are counts (the billed input) are kept, whole or streamed.
 */
class NegativeUsageCountsTest {

    @Test
    void chatStream_usageChunkWithNegativeCompletionTokens_incompleteWithTheReportedInputAndTheStreamedText() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onEvent(null, "{\"model\":\"o3\",\"choices\":[{\"delta\":{\"content\":\"Hello there\"}}]}");
        tracker.onEvent(
                null,
                "{\"model\":\"o3\",\"choices\":[],\"usage\":{\"prompt_tokens\":1151,\"completion_tokens\":-35,"
                        + "\"total_tokens\":1116}}");

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens().inputTokens()).isEqualTo(1151);
        assertThat(usage.tokens().outputTokens()).isZero();
        assertThat(usage.streamedText()).contains("Hello there");
    }

    @Test
    void responsesBody_negativeInputTokens_nothingKeptSoAllIsEstimated() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onBody(("{\"model\":\"o3\",\"usage\":{\"input_tokens\":-4,\"output_tokens\":20}}")
                .getBytes(StandardCharsets.UTF_8));

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
    }

    @Test
    void messagesBody_negativeOutputTokens_incompleteWithTheInput() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        tracker.onBody(("{\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
                        + "\"usage\":{\"input_tokens\":300,\"output_tokens\":-1}}")
                .getBytes(StandardCharsets.UTF_8));

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens().inputTokens()).isEqualTo(300);
    }

    @Test
    void responsesBody_countsWhoseSumOverflowsALong_nothingKeptSoAllIsEstimated() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onBody(("{\"model\":\"o3\",\"usage\":{\"input_tokens\":9000000000000000000,"
                        + "\"output_tokens\":9000000000000000000}}")
                .getBytes(StandardCharsets.UTF_8));

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
    }

    @Test
    void bedrockHeaders_countsWhoseSumOverflowsALong_areNoCounts() {
        // 3 x 9e18 wraps to a positive 8.55e18 billed input smaller than its own cache read: never a usage
        dev.spendgate.function.proxy.bedrock.InvocationMetrics metrics =
                new dev.spendgate.function.proxy.bedrock.InvocationMetrics();
        metrics.readHeaders(dev.spendgate.function.proxy.http.Headers.of(java.util.Map.of(
                "X-Amzn-Bedrock-Input-Token-Count", java.util.List.of("9000000000000000000"),
                "X-Amzn-Bedrock-Cache-Read-Input-Token-Count", java.util.List.of("9000000000000000000"),
                "X-Amzn-Bedrock-Cache-Write-Input-Token-Count", java.util.List.of("9000000000000000000"),
                "X-Amzn-Bedrock-Output-Token-Count", java.util.List.of("10"))));

        TrackedUsage estimated = new TrackedUsage(null, false, "model", "text");

        assertThat(metrics.orElse(estimated)).isSameAs(estimated);
    }
}
