package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * README "Pricing", "Zero is zero, unknown is unknown", on the streamed and partial shapes of R24A-1: a count the
 * provider left null or out is no count (the call is estimated), while the counts it did give are kept.
 */
class NullUsageCountsStreamTest {

    private static UsageTracker messages() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        tracker.onEvent(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"usage\":"
                        + "{\"input_tokens\":25,\"cache_read_input_tokens\":400,\"output_tokens\":1}}}");
        tracker.onEvent(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                        + "\"text\":\"The bill doubled\"}}");
        return tracker;
    }

    @Test
    void anthropicStream_nullInputInMessageDelta_keepsMessageStartCounts() {
        UsageTracker tracker = messages();
        tracker.onEvent(
                "message_delta",
                "{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":null,\"cache_read_input_tokens\":null,"
                        + "\"output_tokens\":9}}");

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.complete()).isTrue();
        assertThat(tracked.tokens().inputTokens()).isEqualTo(425);
        assertThat(tracked.tokens().cachedInputTokens()).isEqualTo(400);
        assertThat(tracked.tokens().outputTokens()).isEqualTo(9);
    }

    @Test
    void anthropicStream_nullOutputInMessageDelta_isEstimatedNotTheStartPlaceholder() {
        UsageTracker tracker = messages();
        tracker.onEvent(
                "message_delta", "{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":25,\"output_tokens\":null}}");

        TrackedUsage tracked = tracker.result();
        // message_start's output_tokens (1) is a placeholder, not the answer's output: unknown, so estimated
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.tokens().inputTokens()).isEqualTo(425);
        assertThat(tracked.streamedText()).isEqualTo("The bill doubled");
    }

    @Test
    void chatCompletion_withEmptyUsage_isIncomplete() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onBody(("{\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"an answer\"},\"finish_reason\":\"stop\"}],\"usage\":{}}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(tracker.result().complete()).isFalse();
        assertThat(tracker.result().tokens()).isNull();
    }

    @Test
    void chatCompletion_withNullCompletionOnly_keepsThePromptCount() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onBody(("{\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,"
                        + "\"completion_tokens\":null}}")
                .getBytes(StandardCharsets.UTF_8));

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.tokens().inputTokens()).isEqualTo(120);
    }
}
