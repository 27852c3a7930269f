package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tier each provider says it served, read from whole bodies and from streams as they pass. */
class ServedServiceTierTest {

    private static TrackedUsage stream(Endpoint endpoint, String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void openAiChatStream_tierInEveryChunk_isReadWithoutParsingContentChunks() {
        TrackedUsage u = stream(Endpoint.CHAT_COMPLETIONS, """
                data: {"id":"c","model":"gpt-5-mini","service_tier":"flex","choices":[{"delta":{"role":"assistant"}}]}

                data: {"id":"c","model":"gpt-5-mini","service_tier":"flex","choices":[{"delta":{"content":"hi"}}]}

                data: {"id":"c","model":"gpt-5-mini","service_tier":"flex","choices":[],"usage":{"prompt_tokens":10,\
                "completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1}}}

                data: [DONE]

                """);

        assertThat(u.serviceTier()).isEqualTo("flex");
        assertThat(u.complete()).isTrue();
        assertThat(u.tokens().outputTokens()).isEqualTo(2);
        assertThat(u.tokens().reasoningTokens()).isEqualTo(1);
    }

    @Test
    void openAiResponsesStream_tierOfTheCompletedResponse_wins() {
        TrackedUsage u = stream(Endpoint.RESPONSES, """
                event: response.created
                data: {"type":"response.created","response":{"model":"gpt-5","service_tier":"auto","usage":null}}

                event: response.completed
                data: {"type":"response.completed","response":{"model":"gpt-5","service_tier":"priority",\
                "usage":{"input_tokens":5,"output_tokens":3}}}

                """);

        assertThat(u.serviceTier()).isEqualTo("priority");
    }

    @Test
    void anthropicStream_tierAndGeographyFromMessageStart() {
        TrackedUsage u = stream(Endpoint.MESSAGES, """
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-opus-4-7","usage":{"input_tokens":9,\
                "output_tokens":1,"service_tier":"batch","inference_geo":"us"}}}

                event: message_delta
                data: {"type":"message_delta","usage":{"output_tokens":4}}

                """);

        assertThat(u.serviceTier()).isEqualTo("batch");
        assertThat(u.inferenceGeo()).isEqualTo("us");
        assertThat(u.tokens().outputTokens()).isEqualTo(4);
    }

    @Test
    void openAiBodyWithoutTier_isNull() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        tracker.onBody("{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(tracker.result().serviceTier()).isNull();
    }

    @Test
    void requestedTier_readFromEachProvidersRequestShape() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(RequestedServiceTier.of(json.readTree("{\"service_tier\":\"flex\"}")))
                .isEqualTo("flex");
        assertThat(RequestedServiceTier.of(json.readTree("{\"serviceTier\":{\"type\":\"priority\"}}")))
                .isEqualTo("priority");
        assertThat(RequestedServiceTier.of(json.readTree("{\"performanceConfig\":{\"latency\":\"optimized\"}}")))
                .isEqualTo("optimized");
        assertThat(RequestedServiceTier.of(json.readTree("{\"model\":\"gpt-4o\"}")))
                .isNull();
    }
}
