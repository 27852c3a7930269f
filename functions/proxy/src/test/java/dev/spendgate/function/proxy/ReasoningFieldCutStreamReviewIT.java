package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 27): Groq streams a reasoning model's thinking in a dedicated {@code reasoning} field of each chunk's
 * delta ("include_reasoning: true — Includes the reasoning in a dedicated message.reasoning field. This is the default
 * behavior", console.groq.com/docs/reasoning, for openai/gpt-oss-20b, gpt-oss-120b, qwen3-32b); OpenRouter does the
 * same ({@code choices[0].delta.reasoning}). Those tokens are output the provider bills. A stream that ends before its
 * usage is recorded estimated from the text it streamed (README "Cut streams"), and DeepSeek's {@code
 * reasoning_content} is counted there; the {@code reasoning} field is not, so a gpt-oss stream cut after 300 tokens of
 * visible reasoning is recorded with the few tokens of its answer.
 */
class ReasoningFieldCutStreamReviewIT {
    private static final String SSE_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + "Transfer-Encoding: chunked\r\n\r\n";

    private static final String THOUGHT = "The user asks whether the quarterly invoice total matches the ledger, so I"
            + " should add the three line items, compare the sum with the ledger balance, and check the currency and"
            + " the rounding rule before I answer with a short yes or no and the difference if there is one. ";

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

    private static byte[] chunk(String field, String text) {
        return ScriptedUpstream.chunk("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":"
                + "1796328465,\"model\":\"openai/gpt-oss-120b\",\"choices\":[{\"index\":0,\"delta\":{\"" + field
                + "\":\"" + text + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    }

    @Test
    @Timeout(60)
    void groqStreamEndingBeforeItsUsage_countsTheReasoningItStreamed() throws Exception {
        // six chunks of reasoning, one of answer, then the stream ends: no finish_reason, no usage, no [DONE]
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pieces.add(chunk("reasoning", THOUGHT));
        }
        pieces.add(chunk("content", "Yes."));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        upstream = new ScriptedUpstream(SSE_HEAD, pieces);
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"groq\",\"format\":\"openai\",\"base_url\":\"" + upstream.base()
                        + "/openai/v1\",\"api_key_env\":\"GROQ_API_KEY\",\"models\":[\"openai/gpt-oss-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GROQ_API_KEY", "groq-key"));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post("/v1/chat/completions", """
                {"model":"openai/gpt-oss-120b","max_tokens":4000,"stream":true,\
                "messages":[{"role":"user","content":"Does the Q3 invoice total match the ledger?"}]}"""));

        assertThat(response.status()).isEqualTo(200);
        UsageRecord r = gw.record(response.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        long streamedReasoning = TokenCounter.count("openai/gpt-oss-120b", THOUGHT.repeat(6));
        assertThat(r.tokens().outputTokens())
                .as("output recorded for a cut stream that showed %s reasoning tokens (%s)", streamedReasoning, r)
                .isGreaterThanOrEqualTo(streamedReasoning);
    }

    @Test
    @Timeout(60)
    void streamSendingBothReasoningFields_countsTheSameTextOnce() throws Exception {
        // a host renaming reasoning_content to reasoning may send both, with the same text, for a while
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pieces.add(chunk("reasoning_content\":\"" + THOUGHT + "\",\"reasoning", THOUGHT));
        }
        pieces.add(chunk("content", "Yes."));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        upstream = new ScriptedUpstream(SSE_HEAD, pieces);
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"groq\",\"format\":\"openai\",\"base_url\":\"" + upstream.base()
                        + "/openai/v1\",\"api_key_env\":\"GROQ_API_KEY\",\"models\":[\"openai/gpt-oss-*\"]}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", providers.toString(), "GROQ_API_KEY", "groq-key"));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post("/v1/chat/completions", """
                {"model":"openai/gpt-oss-120b","max_tokens":4000,"stream":true,\
                "messages":[{"role":"user","content":"Does the Q3 invoice total match the ledger?"}]}"""));

        UsageRecord r = gw.record(response.requestId());
        long streamedReasoning = TokenCounter.count("openai/gpt-oss-120b", THOUGHT.repeat(6));
        assertThat(r.tokens().outputTokens())
                .as("the reasoning shown once, not twice (%s)", r)
                .isGreaterThanOrEqualTo(streamedReasoning)
                .isLessThan(streamedReasoning * 3 / 2);
    }
}
