package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * A cut stream of a Gemini model that thinks by default is estimated at its output cap, as it bills thinking it never
 * streams (ai.google.dev/gemini-api/docs/thinking); 2.5 Flash-Lite does not think unless asked, and a request that
 * turns reasoning off ({@code reasoning_effort: none}, the OpenAI-compatible way) is estimated at its text.
 */
class GeminiReasoningCallsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void reasonsUnseen_geminiModelsThatThinkByDefault_unlessTheRequestTurnsItOff() throws Exception {
        var plain = JSON.readTree("{\"messages\":[]}");
        var off = JSON.readTree("{\"reasoning_effort\":\"none\",\"messages\":[]}");

        for (String model : new String[] {
            "gemini-2.5-pro", "gemini-2.5-flash", "gemini/gemini-2.5-pro", "gemini-3-pro-preview",
            "gemini-3-flash-preview", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite", "gemini-3.5-flash"
        }) {
            assertThat(ReasoningCalls.reasonsUnseen(model, plain)).as(model).isTrue();
        }
        assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-flash", off)).isFalse();
        assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-flash-lite", plain)).isFalse();
        assertThat(ReasoningCalls.reasonsUnseen("gemini-2.0-flash", plain)).isFalse();
    }
}
