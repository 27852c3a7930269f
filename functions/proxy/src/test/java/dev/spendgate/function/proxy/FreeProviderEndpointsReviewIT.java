package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic's token counting endpoint, {@code POST /v1/messages/count_tokens} (platform.claude.com/docs/en/api/
 * messages/count_tokens; the SDKs' {@code client.messages.count_tokens}), takes a Messages body and answers
 * {@code {"input_tokens": N}}. It is free ("Token counting is free to use", subject to its own rate limits). Claude Code
 * calls it against a custom {@code ANTHROPIC_BASE_URL} before requests to decide when to compact
 * (envoyproxy/ai-gateway#1360, mozilla-ai/otari#124: "the only endpoints Claude Code requires ... are POST
 * /v1/messages ... and POST /v1/messages/count_tokens"). Through the gateway the client's call must work, and must not
 * be recorded as a billed call.
 */
class FreeProviderEndpointsReviewIT {
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
    void countTokens_isRelayedAndNotRecordedAsBilled() throws Exception {
        byte[] body = "{\"input_tokens\":14}".getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages/count_tokens"))
                        .header("Content-Type", "application/json")
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-sonnet-4-5\",\"messages\":"
                                + "[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}")));

        // on main: 404 not_found_error naming the routes Spendgate serves; nothing reaches Anthropic
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"input_tokens\":14");
        String id = response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
        for (UsageRecord r : gw.records()) {
            if (r.requestId().equals(id)) {
                assertThat(r.costUsd())
                        .as("a free token count recorded as %s (%s)", r.costUsd(), r.pricingStatus())
                        .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                                .isEqualByComparingTo(BigDecimal.ZERO));
            }
        }
    }

    /**
     * The same for OpenAI's moderation endpoint, {@code POST /v1/moderations} (the SDKs' {@code moderations.create},
     * sent to the same base URL as every other call): "The moderations endpoint is free to use"
     * (platform.openai.com/docs/guides/moderation). A team that points its OpenAI SDK at the gateway cannot screen
     * input any more.
     */
    @Test
    @Timeout(60)
    void moderations_isRelayedAndNotRecordedAsBilled() throws Exception {
        byte[] body = ("{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":false,"
                        + "\"categories\":{\"violence\":false},\"category_scores\":{\"violence\":0.0001}}]}")
                .getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/moderations", "{\"model\":\"omni-moderation-latest\",\"input\":\"I want to return my order.\"}"));

        // on main: 404 naming the routes Spendgate serves; nothing reaches OpenAI
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"flagged\":false");
        String id = response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
        for (UsageRecord r : gw.records()) {
            if (r.requestId().equals(id)) {
                assertThat(r.costUsd())
                        .as("a free moderation recorded as %s (%s)", r.costUsd(), r.pricingStatus())
                        .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                                .isEqualByComparingTo(BigDecimal.ZERO));
            }
        }
    }
}
