package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Usage read from whole (non-streamed) answers: only the fields a tracker reads are built, and the usage, model and
 * tier come out as reading the whole body as a tree gives them, for real provider shapes and odd ones.
 */
class WholeBodyUsageTest {

    private static TrackedUsage read(Endpoint endpoint, String body) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        tracker.onBody(body.getBytes(StandardCharsets.UTF_8));
        return tracker.result();
    }

    /** What the gateway read before: the whole body parsed as a tree. */
    private static TrackedUsage readAsTree(Endpoint endpoint, String body) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        JsonNode root = UsageTracker.parse(body.getBytes(StandardCharsets.UTF_8));
        if (root != null) {
            tracker.readBody(root);
        }
        return tracker.result();
    }

    static java.util.stream.Stream<Arguments> bodies() {
        return java.util.stream.Stream.of(
                Arguments.of(Endpoint.CHAT_COMPLETIONS, """
                        {"id":"chatcmpl-1","object":"chat.completion","created":1796328465,"model":"gpt-4o-mini-2024-07-18",\
                        "choices":[{"index":0,"message":{"role":"assistant","content":"Hi \\"there\\" \\u2028 日本",\
                        "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],\
                        "usage":{"prompt_tokens":421,"completion_tokens":24,"total_tokens":445,\
                        "prompt_tokens_details":{"cached_tokens":105,"audio_tokens":0},\
                        "completion_tokens_details":{"reasoning_tokens":7,"audio_tokens":0}},\
                        "service_tier":"default","system_fingerprint":"fp_1"}"""),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, """
                        {"usage":{"prompt_tokens":10,"completion_tokens":2},"choices":[{"message":{"content":"x",\
                        "usage":{"prompt_tokens":999},"model":"not-this"}}],"model":"gpt-5-mini","service_tier":"flex"}"""),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, """
                        {"model":"a","usage":{"prompt_tokens":1,"completion_tokens":1},"model":"b",\
                        "usage":{"prompt_tokens":30,"completion_tokens":4}}"""),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o\",\"usage\":null,\"choices\":[]}"),
                Arguments.of(
                        Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":3}} trailing"),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":3,"),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, "{\"choices\":[{\"message\":{\"content\":\"cut"),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, "[{\"usage\":{\"prompt_tokens\":3}}]"),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, "not json"),
                Arguments.of(Endpoint.CHAT_COMPLETIONS, ""),
                Arguments.of(Endpoint.RESPONSES, """
                        {"id":"resp_1","object":"response","model":"gpt-5","service_tier":"priority","output":[\
                        {"type":"message","content":[{"type":"output_text","text":"ok","usage":{"input_tokens":1}}]}],\
                        "usage":{"input_tokens":50,"input_tokens_details":{"cached_tokens":20},"output_tokens":9,\
                        "output_tokens_details":{"reasoning_tokens":4},"total_tokens":59}}"""),
                Arguments.of(Endpoint.EMBEDDINGS, """
                        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,\
                        1.5e-7,-3]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}"""),
                Arguments.of(Endpoint.MESSAGES, """
                        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",\
                        "content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,\
                        "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":200,\
                        "cache_creation":{"ephemeral_5m_input_tokens":60,"ephemeral_1h_input_tokens":40},\
                        "output_tokens":6,"service_tier":"standard","inference_geo":"us"}}"""),
                Arguments.of(Endpoint.MESSAGES, """
                        {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void onBody_providerShapes_readTheSameUsageAsTheWholeTree(Endpoint endpoint, String body) {
        assertThat(read(endpoint, body)).isEqualTo(readAsTree(endpoint, body));
    }

    @Test
    void onBody_usageAfterTheAnswerAndANestedDecoy_readsTheTopLevelUsage() {
        TrackedUsage u = read(Endpoint.CHAT_COMPLETIONS, """
                {"choices":[{"message":{"content":"x","usage":{"prompt_tokens":999},"model":"not-this"}}],\
                "model":"gpt-5-mini","service_tier":"flex","usage":{"prompt_tokens":10,"completion_tokens":2,\
                "prompt_tokens_details":{"cached_tokens":4}}}""");

        assertThat(u.complete()).isTrue();
        assertThat(u.modelServed()).isEqualTo("gpt-5-mini");
        assertThat(u.serviceTier()).isEqualTo("flex");
        assertThat(u.tokens().inputTokens()).isEqualTo(10);
        assertThat(u.tokens().cachedInputTokens()).isEqualTo(4);
        assertThat(u.tokens().outputTokens()).isEqualTo(2);
    }

    @Test
    void onBody_truncatedAnswer_hasNoUsage() {
        TrackedUsage u = read(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":3,");

        assertThat(u.complete()).isFalse();
    }
}
