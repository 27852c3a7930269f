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
 * Anthropic answers a streamed Messages call it is too overloaded to run with {@code 200} and an {@code error} event
 * ("Error events ... during periods of high usage, you may receive an overloaded_error, which would normally
 * correspond to an HTTP 529 in a non-streaming context", Anthropic's streaming docs), most often as the stream's first
 * and only event (vercel/ai#10653). Nothing ran: no message was started, no token counted. As a 529 is, and as the
 * README says of a Bedrock stream whose exception comes before any content or usage ("not billed, no cost"), such a
 * call must cost nothing and say why.
 */
class AnthropicStreamErrorReviewIT {
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

    @Test
    @Timeout(30)
    void streamThatIsOnlyAnOverloadedErrorEvent_costsNothingAndIsNamed() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        ScriptedUpstream.chunk("event: error\ndata: {\"type\":\"error\",\"error\":{\"details\":null,"
                                + "\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"" + "Summarise the quarterly bill line by line. ".repeat(40)
                        + "\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("overloaded_error");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd())
                .as(
                        "a call Anthropic refused as overloaded costs nothing (recorded %s, %s, error %s)",
                        r.tokens(), r.pricingStatus(), r.errorType())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
        assertThat(r.errorType()).isEqualTo("overloaded_error");
    }

    /** The same with extended thinking: the estimate takes the whole output cap, the worst case, as spent. */
    @Test
    @Timeout(30)
    void thinkingStreamThatIsOnlyAnOverloadedErrorEvent_notChargedItsWorstCaseOutput() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        ScriptedUpstream.chunk("event: error\ndata: {\"type\":\"error\",\"error\":{\"details\":null,"
                                + "\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16000,\"stream\":true,"
                        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":8000},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd())
                .as(
                        "a call Anthropic refused as overloaded costs nothing (recorded %s, %s, error %s)",
                        r.tokens(), r.pricingStatus(), r.errorType())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
    }
}
