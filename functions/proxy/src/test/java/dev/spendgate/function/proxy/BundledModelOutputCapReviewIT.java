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
 * Review (session 22): a migrating LiteLLM user's Gemini call through the README's own {@code gemini} provider, with
 * no output cap (the OpenAI SDK sends none by default). The bundled catalog prices gemini-2.5-pro, but
 * {@code output-limits.csv} has no Gemini row, so the worst case takes {@code SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS}
 * (4,096) while Gemini 2.5 Pro may answer, thinking included, up to 65,536 output tokens (Google's model card:
 * "Output token limit 65,536"). README "Worst-case estimate": "with no cap, the model's maximum output".
 */
class BundledModelOutputCapReviewIT {
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
    void uncappedGeminiProCall_reservesTheModelsMaximumOutput_soATenCentBudgetRefusesIt() throws Exception {
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
        // the model thinks 30,000 tokens before a short answer: 30,005 output tokens x $10/M = $0.30
        fake.enqueue(Behavior.defaults().withInputTokens(40).withPieceCount(5).withReasoningTokens(30_000));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gemini-2.5-pro\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Prove that there are infinitely many primes.\"}]}"));

        String outcome = "status " + response.statusCode();
        if (response.statusCode() == 200) {
            UsageRecord record = gw.record(
                    response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            outcome = "admitted, settled at $" + record.costUsd() + " on a $0.10 block budget";
        }
        // worst case 65,536 x $10/M = $0.655 > $0.10: refused before anything is forwarded
        assertThat(response.statusCode()).as(outcome).isEqualTo(429);
        assertThat(fake.requests()).isEmpty();
    }

    /**
     * Gemini 2.5 Pro always thinks before it answers (its thinking cannot be turned off; Google bills the thinking
     * tokens as output and streams none of them through the OpenAI-compatible API). README "Cut streams": "A call
     * that reasons before it answers bills reasoning tokens it never streams ...: its output is estimated at the most
     * the request let it bill (max_tokens or the model's maximum)". ReasoningCalls knows only OpenAI and Anthropic
     * model ids, so a Gemini stream cut after three words is recorded at those three words' tokens.
     */
    @Test
    void cutGeminiProStream_isEstimatedAtItsOutputCap_asACallThatReasonsUnseen() throws Exception {
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
                "{\"model\":\"gemini-2.5-pro\",\"stream\":true,\"max_tokens\":8000,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"Prove that there are infinitely many primes.\"}]}"));

        UsageRecord record = gw.record(response.requestId());
        assertThat(record.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(record.tokens().outputTokens())
                .as(
                        "output tokens recorded for a cut gemini-2.5-pro stream capped at 8,000 (cost $%s)",
                        record.costUsd())
                .isEqualTo(8_000);
    }
}
