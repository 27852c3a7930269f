package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streamed OpenAI call that the provider ends with an {@code error} event before it produced anything. The Responses
 * API's streaming reference lists {@code error} ("Emitted when an error occurs": {@code type}, {@code code},
 * {@code message}, {@code param}, {@code sequence_number}) beside {@code response.failed}; gateways and SDKs see it end
 * 200 streams (QuantumNous/new-api#6549, router-for-me/CLIProxyAPI#4683). Chat Completions streams carry the same as
 * a {@code data: {"error": {...}}} chunk. Nothing was generated: no output item, no text, no usage. The README's rule
 * for a Responses stream that failed "with {@code usage: null} before any output item or text" is "not billed, no
 * cost", as for Anthropic's lone {@code overloaded_error} event; a reasoning model's worst-case output must not be
 * recorded as spent.
 */
class ResponsesStreamErrorEventReviewIT {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";

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

    private static final String CREATED = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1764900000,"
            + "\"status\":\"in_progress\",\"error\":null,\"model\":\"gpt-5-2025-08-07\",\"output\":[],"
            + "\"service_tier\":\"auto\",\"usage\":null}";

    @Test
    @Timeout(30)
    void responsesStreamEndingInAnErrorEventBeforeAnyOutput_notChargedTheWorstCase() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        ScriptedUpstream.chunk("event: response.created\ndata: {\"type\":\"response.created\","
                                + "\"sequence_number\":0,\"response\":" + CREATED + "}\n\n"),
                        ScriptedUpstream.chunk("event: response.in_progress\ndata: {\"type\":\"response.in_progress\","
                                + "\"sequence_number\":1,\"response\":" + CREATED + "}\n\n"),
                        ScriptedUpstream.chunk("event: error\ndata: {\"type\":\"error\",\"sequence_number\":2,"
                                + "\"code\":\"server_error\",\"message\":\"An error occurred while processing your"
                                + " request.\",\"param\":null}\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/responses",
                "{\"model\":\"gpt-5\",\"stream\":true,\"max_output_tokens\":32000,"
                        + "\"input\":\"Why did the bill double?\"}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("server_error");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // recorded on main: 32,000 output tokens x $10 per 1M = $0.32 plus the input, error_type usage_missing
        assertThat(r.costUsd())
                .as(
                        "a response OpenAI ended with an error before any output (recorded %s, %s, error %s)",
                        r.tokens(), r.pricingStatus(), r.errorType())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
        assertThat(r.errorType()).isEqualTo("server_error");
    }

    @Test
    @Timeout(30)
    void chatStreamThatIsOnlyAnErrorChunk_notChargedTheWorstCase() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        ScriptedUpstream.chunk("data: {\"error\":{\"message\":\"The server had an error while"
                                + " processing your request. Sorry about that!\",\"type\":\"server_error\","
                                + "\"param\":null,\"code\":null}}\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"o3\",\"stream\":true,\"max_completion_tokens\":32000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // recorded on main: 32,000 output tokens x $8 per 1M = $0.256 plus the input, error_type server_error
        assertThat(r.costUsd())
                .as(
                        "a chat stream OpenAI ended with an error before any chunk (recorded %s, %s, error %s)",
                        r.tokens(), r.pricingStatus(), r.errorType())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
    }
}
