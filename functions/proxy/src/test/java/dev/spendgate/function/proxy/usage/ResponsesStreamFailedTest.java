package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * A Responses stream that ends in {@code response.failed} (before any output, after output, and with usage) or in the
 * streaming {@code error} event.
 */
class ResponsesStreamFailedTest {
    private static String failed(String output, String usage) {
        return "{\"type\":\"response.failed\",\"response\":{\"id\":\"resp_1\",\"status\":\"failed\",\"error\":"
                + "{\"code\":\"server_error\",\"message\":\"The model failed to generate a response.\"},"
                + "\"model\":\"gpt-5-2025-08-07\",\"output\":" + output + ",\"usage\":" + usage + "}}";
    }

    private static final String CREATED = "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\","
            + "\"status\":\"in_progress\",\"model\":\"gpt-5-2025-08-07\",\"output\":[],\"usage\":null}}";

    @Test
    void failedBeforeAnyOutputWithoutUsage_isUnservedUnderItsCode() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onEvent("response.created", CREATED);
        tracker.onEvent("response.failed", failed("[]", "null"));

        assertThat(tracker.result().unservedException()).isEqualTo("server_error");
    }

    @Test
    void failedAfterOutputWithoutUsage_estimatedUnderItsCode() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onEvent("response.created", CREATED);
        tracker.onEvent(
                "response.output_item.added",
                "{\"type\":\"response.output_item.added\",\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}");
        tracker.onEvent(
                "response.output_text.delta",
                "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"delta\":\"The bill\"}");
        tracker.onEvent("response.failed", failed("[]", "null"));

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.unservedException()).isNull();
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.streamException()).isEqualTo("server_error");
        assertThat(tracked.streamedText()).isEqualTo("The bill");
    }

    @Test
    void errorEventAfterOutput_estimatedUnderItsCode() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onEvent("response.created", CREATED);
        tracker.onEvent(
                "response.output_item.added",
                "{\"type\":\"response.output_item.added\",\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}");
        tracker.onEvent(
                "response.output_text.delta",
                "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"delta\":\"The bill\"}");
        tracker.onEvent(
                null,
                "{\"type\":\"error\",\"sequence_number\":4,\"code\":\"server_error\","
                        + "\"message\":\"An error occurred while processing your request.\",\"param\":null}");

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.unservedException()).isNull();
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.streamException()).isEqualTo("server_error");
        assertThat(tracked.streamedText()).isEqualTo("The bill");
    }

    @Test
    void failedWithUsage_chargedWhatItReported() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onEvent(
                "response.failed",
                failed(
                        "[]",
                        "{\"input_tokens\":12,\"output_tokens\":300,\"output_tokens_details\":"
                                + "{\"reasoning_tokens\":300},\"total_tokens\":312}"));

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.unservedException()).isNull();
        assertThat(tracked.complete()).isTrue();
        assertThat(tracked.tokens().outputTokens()).isEqualTo(300);
    }
}
