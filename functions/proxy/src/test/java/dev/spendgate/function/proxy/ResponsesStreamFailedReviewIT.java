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
 * A streamed Responses call that OpenAI fails before producing anything: {@code response.created}, {@code
 * response.in_progress}, then {@code response.failed} with {@code status: failed}, an {@code error}, no output and
 * {@code usage: null}. The stream is whole (not cut), and it says the provider generated nothing; as for R19C-4 and the
 * README's Bedrock rule ("an exception before any content or usage: not billed, no cost"), such a call must not be
 * charged the worst case of a reasoning model.
 */
class ResponsesStreamFailedReviewIT {
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

    private static String response(String status, String error) {
        return "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1764900000,\"status\":\"" + status
                + "\",\"error\":" + error + ",\"model\":\"gpt-5-2025-08-07\",\"output\":[],\"usage\":null}";
    }

    @Test
    @Timeout(30)
    void streamEndingInResponseFailedBeforeAnyOutput_notChargedTheWorstCase() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        ScriptedUpstream.chunk("event: response.created\ndata: {\"type\":\"response.created\","
                                + "\"sequence_number\":0,\"response\":" + response("in_progress", "null") + "}\n\n"),
                        ScriptedUpstream.chunk("event: response.in_progress\ndata: {\"type\":\"response.in_progress\","
                                + "\"sequence_number\":1,\"response\":" + response("in_progress", "null") + "}\n\n"),
                        ScriptedUpstream.chunk("event: response.failed\ndata: {\"type\":\"response.failed\","
                                + "\"sequence_number\":2,\"response\":"
                                + response(
                                        "failed",
                                        "{\"code\":\"server_error\",\"message\":\"The model failed to generate a"
                                                + " response.\"}")
                                + "}\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/responses",
                "{\"model\":\"gpt-5\",\"stream\":true,\"max_output_tokens\":32000,"
                        + "\"input\":\"Why did the bill double?\"}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd())
                .as(
                        "a response OpenAI failed before any output (recorded %s, %s, error %s)",
                        r.tokens(), r.pricingStatus(), r.errorType())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
    }
}
