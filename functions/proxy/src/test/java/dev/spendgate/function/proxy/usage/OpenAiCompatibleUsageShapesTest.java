package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * OpenAI-compatible providers report chat usage in shapes of their own (xAI's reasoning_tokens beside
 * completion_tokens, Gemini's thinking only in total_tokens, DeepSeek's prompt_cache_hit_tokens); streamed, the usage
 * chunk is read as the whole body is, and OpenAI's own shape (reasoning inside completion) is read as before.
 */
class OpenAiCompatibleUsageShapesTest {

    private static TokenUsage streamed(String usage) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        String sse =
                "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                        + "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[],\"usage\":" + usage + "}\n\n"
                        + "data: [DONE]\n\n";
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        TrackedUsage tracked = tracker.result();
        assertThat(tracked.complete()).isTrue();
        return tracked.tokens();
    }

    private static TokenUsage body(String usage) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onBody(("{\"model\":\"m\",\"choices\":[],\"usage\":" + usage + "}").getBytes(StandardCharsets.UTF_8));
        return tracker.result().tokens();
    }

    @Test
    void xaiStream_reasoningBesideCompletion_countedAsOutput() {
        TokenUsage t = streamed("{\"prompt_tokens\":663,\"completion_tokens\":50,\"total_tokens\":837,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":124}}");

        assertThat(t.outputTokens()).isEqualTo(174);
        assertThat(t.reasoningTokens()).isEqualTo(124);
    }

    @Test
    void deepseekStream_promptCacheHitTokens_countedAsCachedInput() {
        TokenUsage t = streamed("{\"prompt_tokens\":10000,\"completion_tokens\":100,\"total_tokens\":10100,"
                + "\"prompt_cache_hit_tokens\":8000,\"prompt_cache_miss_tokens\":2000}");

        assertThat(t.inputTokens()).isEqualTo(10000);
        assertThat(t.cachedInputTokens()).isEqualTo(8000);
        assertThat(t.outputTokens()).isEqualTo(100);
    }

    @Test
    void geminiStream_thinkingOnlyInTotalTokens_countedAsOutput() {
        TokenUsage t = streamed("{\"completion_tokens\":1,\"prompt_tokens\":9,\"total_tokens\":103}");

        assertThat(t.outputTokens()).isEqualTo(94);
        assertThat(t.reasoningTokens()).isEqualTo(93);
    }

    @Test
    void openAiShape_reasoningInsideCompletion_unchanged() {
        TokenUsage t = body("{\"prompt_tokens\":1000,\"completion_tokens\":500,\"total_tokens\":1500,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":600},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":448}}");

        assertThat(t.outputTokens()).isEqualTo(500);
        assertThat(t.reasoningTokens()).isEqualTo(448);
        assertThat(t.cachedInputTokens()).isEqualTo(600);
    }

    @Test
    void cachedTokensPresent_winsOverPromptCacheHitTokens() {
        TokenUsage t = body("{\"prompt_tokens\":1000,\"completion_tokens\":10,\"total_tokens\":1010,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"prompt_cache_hit_tokens\":900}");

        assertThat(t.cachedInputTokens()).isZero();
    }

    @Test
    void totalTokensAbsentOrSmaller_usageAsReported() {
        TokenUsage absent = body("{\"prompt_tokens\":1000,\"completion_tokens\":50}");
        TokenUsage smaller = body("{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":900}");

        assertThat(absent.outputTokens()).isEqualTo(50);
        assertThat(smaller.outputTokens()).isEqualTo(50);
        assertThat(smaller.inputTokens()).isEqualTo(1000);
    }

    /**
     * An answer a thinking model left empty (finish_reason length): no completion_tokens, the thinking billed in
     * total_tokens. Before c2edc024..main it was priced at the provider's count (1,024 output tokens); now the absent
     * count makes the call estimated, and a reasoning model's estimate is its max_tokens worst case (review, R24 final).
     */
    @Test
    void body_noCompletionTokens_totalGivesTheOutput_isTheProvidersCount() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onBody(("{\"model\":\"gemini-2.5-flash\",\"choices\":[{\"index\":0,\"finish_reason\":\"length\","
                        + "\"message\":{\"role\":\"assistant\"}}],\"usage\":{\"prompt_tokens\":9,\"total_tokens\":1033}}")
                .getBytes(StandardCharsets.UTF_8));
        TrackedUsage tracked = tracker.result();

        assertThat(tracked.complete()).isTrue();
        assertThat(tracked.tokens().outputTokens()).isEqualTo(1024);
    }
}
