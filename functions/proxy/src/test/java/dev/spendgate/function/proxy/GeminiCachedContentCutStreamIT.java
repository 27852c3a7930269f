package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Gemini chat call on a context cache ({@code google.cached_content}) is billed the cached tokens as part of its
 * prompt, at the cache rate. When such a call's stream ends before any usage came, its estimate adds the cache's tokens
 * as the provider reported them on an earlier call naming the same cache through the gateway (README "Cut streams").
 * gemini-2.5-pro above 200,000 prompt tokens: input $2.50, cache $0.25, output $15 per 1M.
 */
class GeminiCachedContentCutStreamIT {
    private static final String CACHE = "cachedContents/0000aaaa1111bbbb2222cccc3333dddd4444eeee";

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

    @Test
    void cutStreamOnAKnownCache_isEstimatedWithTheCachedTokens_atTheCacheRate() throws Exception {
        fake = FakeLlmUpstream.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + fake.openAiBaseUrl() + "\","
                        + "\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GEMINI_API_KEY", "sk-fake-openai"));
        // first call on the cache: Google reports 900,040 prompt tokens, 900,000 of them from the cache
        fake.enqueue(Behavior.defaults()
                .withInputTokens(900_040)
                .withCachedTokens(900_000)
                .withPieceCount(5));
        HttpResponse<String> first = gw.send(gw.post("/v1/chat/completions", body("Summarize the video", false)));
        assertThat(first.statusCode()).isEqualTo(200);

        // second call on the same cache (SDK form: top-level google), its stream cut before any usage
        fake.enqueue(Behavior.defaults()
                .withInputTokens(900_040)
                .withCachedTokens(900_000)
                .withPieceCount(20)
                .withTruncateAfterPieces(1));
        GatewayFixture.CutResponse second =
                gw.sendExpectingCut(gw.post("/v1/chat/completions", body("And the second half?", true)));

        assertThat(second.status()).isEqualTo(200);
        UsageRecord r = gw.record(second.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(r.tokens().cachedInputTokens())
                .as("recorded %s, $%s", r.tokens(), r.costUsd())
                .isEqualTo(900_000);
        assertThat(r.tokens().inputTokens()).isGreaterThan(900_000).isLessThan(900_100);
        // 900,000 cached at $0.25/M is $0.225; 2.5 Pro reasons unseen, so its output is estimated at the 1,000-token
        // cap, $0.015 at $15/M; the question's few tokens at $2.50/M add well under a tenth of a cent
        assertThat(r.costUsd()).isBetween(new BigDecimal("0.240"), new BigDecimal("0.241"));
    }

    private static String body(String question, boolean sdkForm) {
        String cache = "{\"cached_content\":\"" + CACHE + "\"}";
        return "{\"model\":\"gemini-2.5-pro\",\"max_tokens\":1000,\"stream\":" + sdkForm
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}],"
                + (sdkForm ? "\"google\":" + cache : "\"extra_body\":{\"google\":" + cache + "}") + "}";
    }
}
