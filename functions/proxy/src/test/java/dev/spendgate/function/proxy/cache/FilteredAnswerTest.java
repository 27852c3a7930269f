package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FilteredAnswerTest {
    private static boolean filtered(String body) {
        return FilteredAnswer.in(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void in_answersThatFinished_areNotFiltered() {
        assertThat(filtered("""
                {"choices":[{"index":0,"message":{"role":"assistant","content":"content_filter is a word here"},
                 "finish_reason":"stop"}],"usage":{"prompt_tokens":5}}""")).isFalse();
        assertThat(filtered("""
                {"type":"message","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn"}""")).isFalse();
        assertThat(filtered("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn"}""")).isFalse();
        assertThat(filtered("""
                {"object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}""")).isFalse();
    }

    @Test
    void in_answersAFilterOrRefusalStopped_areFiltered() {
        // Azure OpenAI: the second of two choices cut by the content filter
        assertThat(filtered("""
                {"choices":[{"index":0,"message":{"content":"A"},"finish_reason":"stop"},
                 {"index":1,"message":{"content":"B"},"finish_reason":"content_filter",
                  "content_filter_results":{"violence":{"filtered":true,"severity":"medium"}}}]}""")).isTrue();
        assertThat(filtered("""
                {"type":"message","content":[{"type":"text","text":"Here is how to"}],"stop_reason":"refusal"}""")).isTrue();
        assertThat(filtered("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Sorry"}]}},
                 "stopReason":"guardrail_intervened"}""")).isTrue();
        assertThat(filtered("""
                {"output":{"message":{"content":[]}},"stopReason":"content_filtered"}""")).isTrue();
        // Bedrock Converse: output or a tool call the model produced could not be parsed; the app retries
        assertThat(filtered("""
                {"output":{"message":{"content":[{"text":"<thinking>look up</thinking>"}]}},
                 "stopReason":"malformed_tool_use"}""")).isTrue();
        assertThat(filtered("""
                {"output":{"message":{"content":[{"text":"{ order_id"}]}},"stopReason":"malformed_model_output"}""")).isTrue();
        assertThat(filtered("""
                {"object":"response","status":"incomplete","incomplete_details":{"reason":"content_filter"}}""")).isTrue();
    }
}
