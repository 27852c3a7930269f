package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Gemini's OpenAI-compatible endpoint puts the running usage in every chunk of a chat completions stream; OpenAI puts
 * the final usage in one usage-only chunk ({@code "choices": []}). A usage is the call's only once it is final: with
 * or after a {@code finish_reason}, in the usage-only chunk, or followed by {@code [DONE]}. Before that it is partial:
 * the input stands, the output is estimated.
 */
class RunningChatUsageTest {
    private static String chunk(String content, String finish, int completion) {
        return "data: {\"id\":\"g1\",\"model\":\"gemini-2.5-flash\",\"object\":\"chat.completion.chunk\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"" + content + "\"}"
                + (finish == null ? "" : ",\"finish_reason\":\"" + finish + "\"") + "}],"
                + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":" + completion + ",\"total_tokens\":"
                + (1000 + completion + 800) + "}}\n\n";
    }

    private static TrackedUsage track(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void runningUsage_cutBeforeTheEnd_isPartial_withTheTextKeptForTheEstimate() {
        TrackedUsage usage = track(chunk("Traffic", null, 1) + chunk(" doubled", null, 2));

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens().inputTokens()).isEqualTo(1000);
        assertThat(usage.streamedText()).isEqualTo("Traffic doubled");
    }

    @Test
    void runningUsage_withTheFinishReason_isTheProviders() {
        TrackedUsage usage = track(chunk("Traffic", null, 1) + chunk(" doubled.", "stop", 3));

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().outputTokens()).isEqualTo(803); // 3 + 800 thinking tokens only in total_tokens
    }

    @Test
    void runningUsage_followedByDone_isTheProviders() {
        TrackedUsage usage = track(chunk("Traffic", null, 1) + chunk(" doubled.", null, 3) + "data: [DONE]\n\n");

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().outputTokens()).isEqualTo(803);
    }

    @Test
    void openAiUsageOnlyChunk_isTheProviders_evenWithoutDone() {
        TrackedUsage usage = track("""
                data: {"id":"c1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}

                data: {"id":"c1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],\
                "usage":null}

                data: {"id":"c1","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,\
                "completion_tokens":1,"total_tokens":13}}

                """);

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().inputTokens()).isEqualTo(12);
    }
}
