package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import org.junit.jupiter.api.Test;

/** Anthropic's in-stream {@code error} event: before anything was served, and after content. */
class AnthropicStreamErrorTest {
    private static final String OVERLOADED =
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";

    @Test
    void errorEventBeforeMessageStart_isUnservedUnderItsType() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        tracker.onEvent("error", OVERLOADED);

        assertThat(tracker.result().unservedException()).isEqualTo("overloaded_error");
    }

    @Test
    void errorEventAfterContent_estimatedUnderItsTypeNotUsageMissing() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        tracker.onEvent(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"usage\":"
                        + "{\"input_tokens\":25,\"output_tokens\":1}}}");
        tracker.onEvent(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                        + "\"text\":\"The bill doubled\"}}");
        tracker.onEvent("error", OVERLOADED);

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.unservedException()).isNull();
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.streamException()).isEqualTo("overloaded_error");
        assertThat(tracked.tokens().inputTokens()).isEqualTo(25);
        assertThat(tracked.streamedText()).isEqualTo("The bill doubled");
    }

    @Test
    void streamWithoutError_hasNoException() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        tracker.onEvent(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}");
        tracker.onEvent("message_delta", "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}");

        assertThat(tracker.result().complete()).isTrue();
        assertThat(tracker.result().streamException()).isNull();
    }
}
