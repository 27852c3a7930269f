package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
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
 * Review (session 27): Gemini's OpenAI-compatible endpoint takes an explicit context cache on a chat call
 * ({@code "extra_body": {"google": {"cached_content": "cachedContents/..."}}}, ai.google.dev/gemini-api/docs/openai,
 * "extra_body" / cached_content). The cached tokens are billed as input (part of {@code promptTokenCount}) at the
 * cache rate, and they count toward the 200,000-token long-context threshold, which reprices the whole call (2.5 Pro:
 * input $2.50, cache $0.25, output $15 per 1M). The body holds none of them, so the worst case a budget reserves has
 * to take the model's context window, as it does for an OpenAI Responses call continuing stored input (README
 * "Worst-case estimate"; {@code StoredInput}); it counts only the two-line question.
 */
class GeminiCachedContentWorstCaseReviewIT {
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
    void geminiCallOnAnExplicitCache_isReservedForTheCachedInput_soATenCentBudgetRefusesIt() throws Exception {
        fake = FakeLlmUpstream.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + fake.openAiBaseUrl() + "\","
                        + "\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GEMINI_API_KEY", "sk-fake-openai"));
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("0.10"),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
        // a 900,000-token cached video transcript plus a 40-token question: 900,040 prompt tokens, 900,000 cached;
        // above 200,000, so every token is at the long-context rates: 40 x $2.50/M + 900,000 x $0.25/M = $0.2251
        fake.enqueue(Behavior.defaults()
                .withInputTokens(900_040)
                .withCachedTokens(900_000)
                .withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gemini-2.5-pro\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Summarize the video\"}],\"extra_body\":{\"google\":{\"cached_content\":"
                        + "\"cachedContents/0000aaaa1111bbbb2222cccc3333dddd4444eeee\"}}}"));

        String outcome = "status " + response.statusCode();
        if (response.statusCode() == 200) {
            UsageRecord record = gw.record(
                    response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            outcome = "admitted, settled at $" + record.costUsd() + " on a $0.10 block budget";
        }
        // the cached content may be up to the model's window (1,048,576 tokens): that worst case is far above $0.10
        assertThat(response.statusCode()).as(outcome).isEqualTo(429);
        assertThat(fake.requests()).isEmpty();
    }
}
