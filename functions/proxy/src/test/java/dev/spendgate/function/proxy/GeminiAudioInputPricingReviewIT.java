package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini bills audio input at its own rate: gemini-2.5-flash $0.30 per 1M input tokens for text / image / video and
 * $1.00 for audio, output $2.50 (https://ai.google.dev/gemini-api/docs/pricing); audio is 32 tokens per second
 * (https://ai.google.dev/gemini-api/docs/audio). README "Pricing": a call is recorded at what the provider bills, and a
 * rate the catalog does not have leaves the call {@code unpriced}, never priced at another rate. Gemini's
 * OpenAI-compatible endpoint reports only {@code prompt_tokens}, {@code completion_tokens} and {@code total_tokens}.
 *
 * <p>A 60-second clip (1,920 audio tokens) and a 12-token question: Google bills 1,920 x $1.00 + 12 x $0.30 + 50 x
 * $2.50 per 1M = $0.0020486. The gateway records $0.0007046 (every input token at the text rate), a third of the bill.
 */
class GeminiAudioInputPricingReviewIT {
    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    @Timeout(60)
    void geminiFlash_audioInput_isNotPricedAtTheTextRate() throws Exception {
        String answer = "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":"
                + "\"The speaker asks for the quarterly numbers.\",\"role\":\"assistant\"}}],\"created\":1796328465,"
                + "\"id\":\"g1\",\"model\":\"gemini-2.5-flash\",\"object\":\"chat.completion\",\"usage\":"
                + "{\"completion_tokens\":50,\"prompt_tokens\":1932,\"total_tokens\":1982}}";
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + upstream.base()
                        + "/v1beta/openai\",\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GEMINI_API_KEY", "gemini-key"));
        String audio = Base64.getEncoder().encodeToString(new byte[4096]);

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", """
                {"model":"gemini-2.5-flash","reasoning_effort":"none","max_tokens":200,"messages":[{"role":"user",\
                "content":[{"type":"text","text":"What does the speaker ask for?"},\
                {"type":"input_audio","input_audio":{"data":"%s","format":"wav"}}]}]}""".formatted(audio)));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue("X-Spendgate-Request-Id").orElseThrow());
        // at text rates the call costs $0.0007046; Google bills $0.0020486. Either the audio rate applies (all the
        // prompt at $1.00 as an upper bound is $0.002057) or the call is unpriced for want of it; never $0.0007046.
        assertThat(r.costUsd() == null || r.costUsd().compareTo(new java.math.BigDecimal("0.0020486")) >= 0)
                .as("gemini-2.5-flash call with 60 s of audio recorded at $%s (%s)", r.costUsd(), r.pricingStatus())
                .isTrue();
    }
}
