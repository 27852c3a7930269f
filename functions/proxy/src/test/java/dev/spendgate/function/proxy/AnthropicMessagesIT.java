package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnthropicMessagesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MESSAGES = """
            {"model":"claude-sonnet-4-5-20250929","max_tokens":512,
             "system":[{"type":"text","text":"You are a support agent.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"Summarise ticket 4411."}]}""";

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

    private HttpRequest.Builder messages(String body) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages"))
                .header("Content-Type", "application/json")
                .header("x-api-key", gw.secret)
                .header("anthropic-version", "2023-06-01")
                .header("X-Cost-Feature", "support-bot")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void messages_withCacheReadAndBothCacheWrites_pricesEachBucketAtItsRate() throws Exception {
        gw.upstream.enqueue(Behavior.defaults()
                .withInputTokens(100)
                .withCachedTokens(2000)
                .withCacheWrite5mTokens(1000)
                .withCacheWrite1hTokens(500)
                .withPieceCount(25));

        HttpResponse<String> response = gw.send(messages(MESSAGES));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/usage/cache_read_input_tokens").asLong()).isEqualTo(2000);
        assertThat(gw.upstream.lastRequest().header("x-api-key")).isEqualTo("sk-ant-fake");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.tokens().inputTokens()).isEqualTo(3600);
        assertThat(r.tokens().cachedInputTokens()).isEqualTo(2000);
        assertThat(r.tokens().cacheWriteTokens()).isEqualTo(1500);
        assertThat(r.tokens().cacheWrite1hTokens()).isEqualTo(500);
        // Sonnet 4.5 per 1M: 100 x 3 (input) + 2000 x 0.30 (cache read) + 1000 x 3.75 (5m write)
        // + 500 x 6 (1h write) + 25 x 15 (output)
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.008025"));
        assertThat(r.provider()).isEqualTo("anthropic");
        assertThat(r.attribution().feature()).isEqualTo("support-bot");
        assertThat(r.fingerprints().systemHash()).isNotNull();
    }

    @Test
    void messages_streamed_recordsInputFromMessageStartAndOutputFromMessageDelta() throws Exception {
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(300).withCachedTokens(1000).withPieceCount(12));

        HttpResponse<String> response =
                gw.send(messages(MESSAGES.replace("\"max_tokens\":512,", "\"max_tokens\":512,\"stream\":true,")));

        assertThat(response.body())
                .contains("event: message_start")
                .contains("event: message_delta")
                .contains("event: message_stop");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(1300);
        assertThat(r.tokens().outputTokens()).isEqualTo(12);
        // 300 x 3 + 1000 x 0.30 + 12 x 15 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00138"));
    }

    @Test
    void messages_streamCutAfterMessageStart_keepsReportedInputAndEstimatesOutput() throws Exception {
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(300).withPieceCount(20).withTruncateAfterPieces(6));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(
                messages(MESSAGES.replace("\"max_tokens\":512,", "\"max_tokens\":512,\"stream\":true,")));

        assertThat(response.body()).contains("event: message_start").doesNotContain("message_stop");
        assertThat(response.error()).as("the client sees the cut as an error").isNotNull();
        UsageRecord r = gw.record(response.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(r.errorType()).isEqualTo("upstream_truncated");
        // the request marks its system prompt with cache_control, so the fake (like the API) writes it to the
        // prompt cache: message_start reports 300 uncached input tokens plus the cache write, both kept
        assertThat(r.tokens().cacheWrite5mTokens()).isPositive();
        assertThat(r.tokens().inputTokens()).isEqualTo(300 + r.tokens().cacheWrite5mTokens());
        assertThat(r.tokens().outputTokens()).isBetween(6L, 30L);
        assertThat(r.costUsd()).isPositive();
    }
}
