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

    /**
     * Gemini's own {@code thinking_config} (under {@code extra_body.google} as Google documents it, or a top-level
     * {@code google} as an OpenAI SDK sends {@code extra_body}): a budget of 0 turns thinking off on 2.5 Flash and
     * Flash-Lite but not on 2.5 Pro, which cannot; any other budget or a level turns it on; shown thoughts are summaries.
     */
    @Test
    void reasonsUnseen_followsGeminisThinkingConfig_inEitherWireForm() throws Exception {
        for (String form : new String[] {
            "{\"extra_body\":{\"google\":{\"thinking_config\":%s}}}", "{\"google\":{\"thinking_config\":%s}}"
        }) {
            assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-flash", config(form, "{\"thinking_budget\":0}")))
                    .as(form)
                    .isFalse();
            assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-flash-lite", config(form, "{\"thinking_budget\":0}")))
                    .isFalse();
            assertThat(ReasoningCalls.reasonsUnseen(
                            "gemini-2.5-flash-lite", config(form, "{\"thinking_budget\":4096}")))
                    .as(form)
                    .isTrue();
            assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-flash-lite", config(form, "{\"thinking_budget\":-1}")))
                    .isTrue();
            assertThat(ReasoningCalls.reasonsUnseen(
                            "gemini-2.5-flash-lite",
                            config(form, "{\"thinking_budget\":1024,\"include_thoughts\":true}")))
                    .as("thought summaries shown: the full thinking is billed")
                    .isTrue();
            assertThat(ReasoningCalls.reasonsUnseen("gemini-2.5-pro", config(form, "{\"thinking_budget\":0}")))
                    .as("2.5 Pro cannot turn thinking off")
                    .isTrue();
            assertThat(ReasoningCalls.reasonsUnseen(
                            "gemini-3-flash-preview", config(form, "{\"thinking_level\":\"minimal\"}")))
                    .isTrue();
            assertThat(ReasoningCalls.reasonsUnseen(
                            "gemini-2.5-flash-lite", config(form, "{\"include_thoughts\":false}")))
                    .as("no budget or level: the model's default")
                    .isFalse();
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode config(String form, String thinkingConfig) throws Exception {
        return JSON.readTree(form.formatted(thinkingConfig));
    }
}
