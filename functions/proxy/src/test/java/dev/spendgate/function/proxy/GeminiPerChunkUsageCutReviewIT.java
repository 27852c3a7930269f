package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemini's OpenAI-compatible endpoint ({@code /v1beta/openai/chat/completions}) does not send usage in one last
 * chunk as OpenAI does: every chunk carries the running {@code usage} (reported in ogx-ai/ogx#5122, quoting the
 * discuss.ai.google.dev thread "endpoint .../v1beta/openai/chat/completions is not compliant with api specs": "return
 * usage in each chunk"; envoyproxy/ai-gateway#1503: the usage is on the content chunks). A stream the provider cuts
 * is, by the README ("Cut streams"), recorded with {@code usage_source: estimated}, and a model that thinks by
 * default (Gemini 2.5 Flash) has its output estimated at the most the request let it bill: {@code max_tokens}. The
 * provider's running count before the cut is not the call's usage. gemini-2.5-flash: $0.30 / $2.50 per 1M.
 */
class GeminiPerChunkUsageCutReviewIT {
    private static final String SSE_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + "Transfer-Encoding: chunked\r\n\r\n";

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

    private static byte[] chunk(String text, int completion, int thoughts) {
        return ScriptedUpstream.chunk("data: {\"choices\":[{\"delta\":{\"content\":\"" + text
                + "\",\"role\":\"assistant\"},\"index\":0}],\"created\":1796328465,\"id\":\"g1\","
                + "\"model\":\"gemini-2.5-flash\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":"
                + completion + ",\"prompt_tokens\":1000,\"total_tokens\":" + (1000 + completion + thoughts) + "}}\n\n");
    }

    @Test
    @Timeout(60)
    void streamCutByGemini_isEstimated_notPricedAtTheRunningCount() throws Exception {
        // three content chunks, each with the running usage, then the connection breaks (no finish_reason, no [DONE])
        upstream = new ScriptedUpstream(
                SSE_HEAD, List.of(chunk("Traffic", 1, 800), chunk(" doubled", 2, 800), chunk(" because", 3, 800)));
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + upstream.base()
                        + "/v1beta/openai\",\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GEMINI_API_KEY", "gemini-key"));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post("/v1/chat/completions", """
                {"model":"gemini-2.5-flash","max_tokens":4000,"stream":true,\
                "messages":[{"role":"user","content":"Why did our traffic double last week?"}]}"""));

        assertThat(response.status()).isEqualTo(200);
        UsageRecord r = gw.record(response.requestId());
        assertThat(r.usageSource())
                .as("a cut stream (recorded %s, %s, error %s)", r.tokens(), r.costUsd(), r.errorType())
                .isEqualTo(UsageSource.ESTIMATED);
        // output estimated at max_tokens, as for every cut call of a model that thinks by default:
        // 1,000 x $0.30 + 4,000 x $2.50 per 1M = $0.0103
        assertThat(r.tokens().outputTokens()).isEqualTo(4_000);
        assertThat(r.costUsd()).isEqualByComparingTo("0.0103");
    }
}
