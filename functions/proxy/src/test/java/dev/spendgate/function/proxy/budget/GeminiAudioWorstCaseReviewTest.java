package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Review (session 27): Gemini bills audio at 32 tokens per second whatever its codec ("Gemini represents each second
 * of audio as 32 tokens; for example, one minute of audio is represented as 1,920 tokens",
 * ai.google.dev/gemini-api/docs/audio) and accepts MP3, AAC and OGG. The worst case counts one token per 50 decoded
 * bytes, reasoning that every speech codec takes at least 1 KB a second and that providers bill "about 10 audio tokens
 * per second" ({@code BilledInput}, README "Worst-case estimate": audio). At that 1 KB a second (an 8 kbit/s MP3, a
 * call-centre recording) Gemini bills 32 tokens a second and the worst case holds 20: the bound is not one on Gemini.
 * The README already says audio is reserved at the text rate (Gemini's audio rate is 3.3x it); this is the count.
 */
class GeminiAudioWorstCaseReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    @Test
    void aMinuteOfLeanAudioOnGemini_isReservedAtGeminisThirtyTwoTokensASecond() throws Exception {
        // 60 s at 8 kbit/s: 60,000 bytes of MP3
        String audio = Base64.getEncoder().encodeToString(new byte[60_000]);
        JsonNode body = JSON.readTree("{\"model\":\"gemini-2.5-flash\",\"max_tokens\":200,\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Transcribe the call.\"},"
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + audio + "\",\"format\":\"mp3\"}}]}]}");

        long input = estimator
                .worstCase(
                        "gemini",
                        "gemini-2.5-flash",
                        Endpoint.CHAT_COMPLETIONS,
                        PromptText.of(Endpoint.CHAT_COMPLETIONS, body),
                        body)
                .inputTokens();

        assertThat(input)
                .as("worst-case input tokens for 60 s of audio and a short question")
                .isGreaterThan(1_920);
    }
}
