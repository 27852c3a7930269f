package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * gpt-oss always reasons. Its hosts stream the reasoning beside the answer by default (Groq's {@code reasoning}
 * field, console.groq.com/docs/reasoning), which a cut stream's estimate counts as text; a request that hides it
 * ({@code include_reasoning: false}, {@code reasoning_format: "hidden"}) is billed reasoning it never sees, and a cut
 * stream of it is estimated at its cap.
 */
class GptOssReasoningCallsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void gptOss_reasonsUnseenOnlyWhenTheRequestHidesItsReasoning() throws Exception {
        var shown = JSON.readTree("{\"messages\":[]}");
        var excluded = JSON.readTree("{\"include_reasoning\":false,\"messages\":[]}");
        var hidden = JSON.readTree("{\"reasoning_format\":\"hidden\",\"messages\":[]}");
        var included = JSON.readTree("{\"include_reasoning\":true,\"messages\":[]}");

        for (String model : new String[] {"openai/gpt-oss-120b", "gpt-oss-20b", "openai.gpt-oss-120b-1:0"}) {
            assertThat(ReasoningCalls.reasonsUnseen(model, shown)).as(model).isFalse();
            assertThat(ReasoningCalls.reasonsUnseen(model, included)).as(model).isFalse();
            assertThat(ReasoningCalls.reasonsUnseen(model, excluded)).as(model).isTrue();
            assertThat(ReasoningCalls.reasonsUnseen(model, hidden)).as(model).isTrue();
        }
        assertThat(ReasoningCalls.reasonsUnseen("llama-3.3-70b-versatile", excluded))
                .as("a model that does not reason bills none, hidden or not")
                .isFalse();
    }
}
