package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenAiEndpointsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = """
            {"model":"gpt-4o","max_tokens":256,"messages":[
              {"role":"system","content":"You are terse."},
              {"role":"user","content":"Why did our bill double?"}]}""";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void chat_nonStreamed_returnsUpstreamAnswerAndRecordsExactCost() throws Exception {
        gw.upstream.enqueue(Behavior.defaults()
                .withInputTokens(1200)
                .withCachedTokens(400)
                .withReasoningTokens(6)
                .withServedModel("gpt-4o-2024-08-06"));

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", CHAT)
                .header("X-Cost-Feature", "chatbot")
                .header("X-Cost-Department", "engineering"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/choices/0/message/content").asText())
                .isEqualTo(Behavior.defaults().text());
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(1200);
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
        String requestId =
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();

        UsageRecord r = gw.record(requestId);
        // gpt-4o list prices per 1M tokens: input 2.50, cached input 1.25, output 10.00; 30 output = 24 + 6 reasoning
        BigDecimal expected = new BigDecimal("2.50")
                .multiply(BigDecimal.valueOf(800))
                .add(new BigDecimal("1.25").multiply(BigDecimal.valueOf(400)))
                .add(new BigDecimal("10.00").multiply(BigDecimal.valueOf(30)))
                .movePointLeft(6);
        assertThat(r.costUsd()).isEqualByComparingTo(expected);
        assertThat(response.headers().firstValue(Gateway.COST_HEADER).map(BigDecimal::new))
                .hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo(expected));
        assertThat(r.tokens().inputTokens()).isEqualTo(1200);
        assertThat(r.tokens().cachedInputTokens()).isEqualTo(400);
        assertThat(r.tokens().outputTokens()).isEqualTo(30);
        assertThat(r.tokens().reasoningTokens()).isEqualTo(6);
        assertThat(r.modelRequested()).isEqualTo("gpt-4o");
        assertThat(r.modelServed()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.attribution().feature()).isEqualTo("chatbot");
        assertThat(r.attribution().department()).isEqualTo("engineering");
        assertThat(r.attribution().environment()).isEqualTo("prod");
        assertThat(r.keyId()).isEqualTo(gw.key.id());
        assertThat(r.endpoint()).isEqualTo("chat.completions");
        assertThat(r.maxOutputTokens()).isEqualTo(256L);
        assertThat(r.fingerprints().systemHash()).hasSize(32);
        assertThat(r.fingerprints().simhash()).hasSize(16);
        assertThat(r.latencyMs()).isGreaterThanOrEqualTo(r.upstreamMs());
    }

    @Test
    void chat_forwardedRequest_carriesProviderKeyAndNoSpendgateHeadersAndTheSameBody() throws Exception {
        gw.send(gw.post("/v1/chat/completions", CHAT)
                .header("X-Cost-Feature", "chatbot")
                .header("X-Cost-Session", "s-42")
                .header("OpenAI-Organization", "org-acme"));

        RecordedRequest forwarded = gw.upstream.lastRequest();
        assertThat(forwarded.path()).isEqualTo("/v1/chat/completions");
        assertThat(forwarded.header("Authorization")).isEqualTo("Bearer sk-fake-openai");
        assertThat(forwarded.header("OpenAI-Organization")).isEqualTo("org-acme");
        assertThat(forwarded.headers().keySet())
                .noneSatisfy(h -> assertThat(h.toLowerCase()).startsWith("x-cost-"));
        assertThat(forwarded.bodyString()).isEqualTo(CHAT);
    }

    @Test
    void chat_streamed_addsIncludeUsageRelaysEveryEventButTheUsageChunkAndRecordsStreamUsage() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(500).withPieceCount(10));
        String streamed = CHAT.replace("\"max_tokens\":256,", "\"max_tokens\":256,\"stream\":true,");

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", streamed));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        // the role chunk, 10 pieces, the finish chunk and [DONE]: the usage chunk the client did not ask for is read,
        // not relayed
        assertThat(response.body()).doesNotContain("\"usage\":{").endsWith("data: [DONE]\n\n");
        assertThat(response.body().split("\n\n")).hasSize(1 + 10 + 1 + 1);
        JsonNode forwarded = gw.upstream.lastRequest().bodyJson();
        assertThat(forwarded.at("/stream_options/include_usage").asBoolean()).isTrue();
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.stream()).isTrue();
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(500);
        assertThat(r.tokens().outputTokens()).isEqualTo(10);
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00135")); // 500 x 2.50 + 10 x 10.00
    }

    @Test
    void responses_nonStreamedAndStreamed_areRecordedWithResponsesSemantics() throws Exception {
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(1000).withCachedTokens(500).withPieceCount(4));
        HttpResponse<String> plain =
                gw.send(gw.post("/v1/responses", "{\"model\":\"gpt-4.1-mini\",\"input\":\"Hello there\"}"));
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1000).withPieceCount(4));
        HttpResponse<String> streamed = gw.send(
                gw.post("/v1/responses", "{\"model\":\"gpt-4.1-mini\",\"input\":\"Hello there\",\"stream\":true}"));

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("event: response.completed");
        UsageRecord p =
                gw.record(plain.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        UsageRecord s = gw.record(
                streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // gpt-4.1-mini: input 0.40, cached 0.10, output 1.60 per 1M
        assertThat(p.costUsd()).isEqualByComparingTo(new BigDecimal("0.0002564"));
        assertThat(s.costUsd()).isEqualByComparingTo(new BigDecimal("0.0004064"));
        assertThat(s.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(s.endpoint()).isEqualTo("responses");
    }

    @Test
    void embeddings_areRecordedWithInputTokensOnly() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(2000));
        HttpResponse<String> response =
                gw.send(gw.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).at("/data/0/embedding").isArray())
                .isTrue();
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.tokens().inputTokens()).isEqualTo(2000);
        assertThat(r.tokens().outputTokens()).isZero();
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00004")); // 2000 x 0.02 per 1M
    }

    @Test
    void upstreamError_isReturnedByteForByteAndRecordedAsNotBillable() throws Exception {
        String body = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
        gw.upstream.enqueue(Behavior.error(429, body).withHeader("retry-after", "7"));

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", CHAT));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("retry-after")).hasValue("7");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(r.costUsd()).isNull();
    }

    @Test
    void unknownModel_isForwardedAndRecordedUnpricedNeverAtZero() throws Exception {
        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT.replace("gpt-4o", "acme-private-model")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(Gateway.COST_HEADER)).isEmpty();
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(r.costUsd()).isNull();
        assertThat(r.tokens().outputTokens()).isEqualTo(24);
    }
}
