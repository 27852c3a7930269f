package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 27): Gemini's OpenAI-compatible endpoint takes Gemini's own thinking control in {@code
 * extra_body.google.thinking_config} (ai.google.dev/gemini-api/docs/openai, "extra_body": "thinking_config:
 * Corresponds to Gemini's ThinkingConfig"; docs/thinking: {@code thinking_budget: 0} turns thinking off on 2.5 Flash,
 * and 2.5 Flash-Lite, which does not think by default, thinks with a budget of 512 to 24,576). README "Cut streams": a
 * call that reasons before it answers has its output estimated at the most the request let it bill, any other at the
 * text it streamed. Spendgate reads only {@code reasoning_effort}, so a cut stream is estimated by the model's default
 * whatever the request said.
 */
class GeminiThinkingConfigCutReviewIT {
    @TempDir
    Path dir;

    FakeLlmUpstream fake;
    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private UsageRecord cutStream(String model, String thinkingConfig) throws Exception {
        fake = FakeLlmUpstream.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + fake.openAiBaseUrl() + "\","
                        + "\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GEMINI_API_KEY", "sk-fake-openai"));
        fake.enqueue(Behavior.defaults().withInputTokens(40).withPieceCount(20).withTruncateAfterPieces(3));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":8000,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"Summarise the incident report.\"}],\"extra_body\":{\"google\":"
                        + "{\"thinking_config\":" + thinkingConfig + "}}}"));
        return gw.record(response.requestId());
    }

    @Test
    void cutFlashStreamWithThinkingOff_isEstimatedAtItsText_notAtItsCap() throws Exception {
        UsageRecord record = cutStream("gemini-2.5-flash", "{\"thinking_budget\":0}");

        assertThat(record.tokens().outputTokens())
                .as("output of a cut stream that does not think and showed three words (cost $%s)", record.costUsd())
                .isLessThan(100);
    }

    @Test
    void cutFlashLiteStreamWithAThinkingBudget_isEstimatedAtItsCap() throws Exception {
        UsageRecord record = cutStream("gemini-2.5-flash-lite", "{\"thinking_budget\":4096}");

        assertThat(record.tokens().outputTokens())
                .as("output of a cut stream that thought unseen (cost $%s)", record.costUsd())
                .isEqualTo(8_000);
    }
}
