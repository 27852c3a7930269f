package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import org.junit.jupiter.api.Test;

/** An OpenAI-format chat stream that ends with an error chunk ({@code data: {"error": {...}}}). */
class ChatStreamErrorChunkTest {
    private static final String CONTENT = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}";

    @Test
    void errorChunkAfterContent_estimatedUnderTheErrorsType() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onEvent(null, CONTENT.formatted("The bill"));
        tracker.onEvent(null, CONTENT.formatted(" doubled"));
        tracker.onEvent(
                null,
                "{\"error\":{\"message\":\"The server had an error while processing your request.\","
                        + "\"type\":\"server_error\",\"param\":null,\"code\":null}}");

        TrackedUsage tracked = tracker.result();
        assertThat(tracked.complete()).isFalse();
        assertThat(tracked.streamException()).isEqualTo("server_error");
        assertThat(tracked.streamedText()).isEqualTo("The bill doubled");
    }

    @Test
    void contentThatMentionsAnError_isContent() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onEvent(null, CONTENT.formatted("a"));
        tracker.onEvent(null, CONTENT.formatted("the \\\"error\\\" field"));

        assertThat(tracker.result().streamException()).isNull();
        assertThat(tracker.result().streamedText()).isEqualTo("athe \"error\" field");
    }
}
