package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RefusalRendererTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RefusalRenderer renderer = new RefusalRenderer();

    private RecordingSink render(CallContext ctx, Refusal refusal) {
        RecordingSink sink = new RecordingSink();
        Exchange exchange = Exchange.of(sink, (c, t) -> new Exchange.Concluded(c, Optional.empty()), ctx);
        renderer.send(renderer.refused(ctx, refusal), refusal, exchange);
        return sink;
    }

    @Test
    void send_openAiPath_writesOpenAiErrorWithCodeAndRequestId() throws Exception {
        RecordingSink sink = render(
                Calls.post("/v1/chat/completions", "{}"),
                Refusal.of(401, "authentication_error", "Invalid Spendgate key.", "authorization"));

        JsonNode error = JSON.readTree(sink.text()).path("error");
        assertThat(sink.status).isEqualTo(401);
        assertThat(error.path("type").asText()).isEqualTo("authentication_error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(error.path("param").asText()).isEqualTo("authorization");
        assertThat(sink.headers.first("X-Spendgate-Request-Id")).isEqualTo("req-1");
        assertThat(sink.headers.first("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void send_anthropicPath_writesAnthropicErrorWithExtraFields() throws Exception {
        RecordingSink sink = render(
                Calls.post("/v1/messages", "{}"),
                Refusal.of(429, "budget_exceeded", "Budget b1 cannot afford this call.", null)
                        .withFields(Map.of("scope", "feature:chatbot"))
                        .withHeaders(Map.of("Retry-After", "60")));

        JsonNode root = JSON.readTree(sink.text());
        assertThat(root.path("type").asText()).isEqualTo("error");
        assertThat(root.path("error").path("type").asText()).isEqualTo("budget_exceeded");
        assertThat(root.path("error").path("scope").asText()).isEqualTo("feature:chatbot");
        assertThat(sink.headers.first("Retry-After")).isEqualTo("60");
    }

    @Test
    void send_bedrockBadCredential_answers403WithAmazonErrorType() {
        RecordingSink sink = render(
                Calls.post("/model/anthropic.claude-3-haiku/converse", "{}"),
                Refusal.of(401, "authentication_error", "Invalid Spendgate key.", "authorization"));

        assertThat(sink.status).isEqualTo(403);
        assertThat(sink.headers.first("x-amzn-ErrorType")).isNotBlank();
    }

    @Test
    void refused_recordErrorType_winsOverTheClientFacingType() {
        Refusal refusal = Refusal.of(503, "api_error", "No journal.", null).recordedAs("usage_log_unavailable");

        CallContext ctx = renderer.refused(Calls.post("/v1/chat/completions", "{}"), refusal);

        assertThat(ctx.statusCode()).isEqualTo(503);
        assertThat(ctx.errorType()).isEqualTo("usage_log_unavailable");
    }
}
