package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A call is recorded at what the provider bills for it (README "Pricing"). Each answer below is in the provider's
 * own wire format and is read by the tracker the gateway uses for it, then priced as {@code pipeline.Price} prices
 * it: the provider's usage, the tier and geography it reported, the bundled catalog, the call's day.
 */
class ProviderBillingRulesTest {
    private static final Instant CALL_DAY = Instant.parse("2026-12-01T12:00:00Z");

    private static TrackedUsage body(Endpoint endpoint, String body) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        tracker.onBody(body.getBytes(StandardCharsets.UTF_8));
        return tracker.result();
    }

    private static TrackedUsage stream(Endpoint endpoint, String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    /** What the gateway records as the call's cost (pipeline.Price, for a complete provider usage). */
    private static BigDecimal recordedCost(String provider, String modelRequested, TrackedUsage u) {
        assertThat(u.complete()).as("the provider's usage was read whole").isTrue();
        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        provider,
                        u.modelServed(),
                        modelRequested,
                        u.tokens(),
                        true,
                        u.serviceTier(),
                        null,
                        u.inferenceGeo(),
                        CALL_DAY));
        assertThat(priced.priced()).as(priced.reason()).isTrue();
        return priced.cost();
    }

    @Test
    void anthropicMessage_withWebSearches_isRecordedWithTheSearchFee() {
        // docs.anthropic.com pricing, "Web search tool": $10 per 1,000 searches plus standard token costs; the
        // searches a call ran are in usage.server_tool_use.web_search_requests.
        TrackedUsage u = body(Endpoint.MESSAGES, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",\
                "content":[{"type":"text","text":"Per the sources..."}],"stop_reason":"end_turn",\
                "usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,\
                "output_tokens":200,"server_tool_use":{"web_search_requests":3},"service_tier":"standard"}}""");

        // tokens: 1,000 x $3 + 200 x $15 per 1M = $0.006; searches: 3 x $10 / 1,000 = $0.03
        assertThat(recordedCost("anthropic", "claude-sonnet-4-5", u)).isEqualByComparingTo("0.036");
    }

    @Test
    void anthropicStream_withWebSearchesInTheFinalDelta_isRecordedWithTheSearchFee() {
        // Streamed, the cumulative server_tool_use arrives in message_delta's usage.
        TrackedUsage u = stream(Endpoint.MESSAGES, """
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","usage":{\
                "input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,\
                "service_tier":"standard"}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Per the sources"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
                "usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,\
                "output_tokens":200,"server_tool_use":{"web_search_requests":2}}}

                event: message_stop
                data: {"type":"message_stop"}

                """);

        // $0.006 of tokens + 2 x $10 / 1,000
        assertThat(recordedCost("anthropic", "claude-sonnet-4-5", u)).isEqualByComparingTo("0.026");
    }

    @Test
    void openAiResponse_withAWebSearchCall_isRecordedWithTheToolCallFee() {
        // platform.openai.com/docs/pricing, "Built-in tools": web search $10.00 / 1k calls for gpt-5 and the
        // o-series (search content tokens billed as input tokens, already in usage.input_tokens). Each call is one
        // web_search_call item of the response's output.
        TrackedUsage u = body(Endpoint.RESPONSES, """
                {"id":"resp_1","object":"response","model":"gpt-5-2025-08-07","status":"completed",\
                "service_tier":"default","output":[\
                {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"q"}},\
                {"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"x"}]}],\
                "usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":0},"output_tokens":200,\
                "output_tokens_details":{"reasoning_tokens":0},"total_tokens":1200}}""");

        // tokens: 1,000 x $1.25 + 200 x $10 per 1M = $0.00325; one search call: $0.01
        assertThat(recordedCost("openai", "gpt-5", u)).isEqualByComparingTo("0.01325");
    }

    @Test
    void anthropicUsage_whoseCountsOverflowALong_isReadWithoutThrowing() {
        // Usage that is not a real count (a provider bug, as OpenAI's "completion_tokens": -35 was) must leave the call
        // estimated and recorded (README "Usage record", usage_source), never throw out of the reading of an answer
        // the provider already billed. Each count fits a long; their sum does not.
        String body = """
                {"model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":5000000000000000000,\
                "cache_read_input_tokens":5000000000000000000,"cache_creation_input_tokens":0,\
                "output_tokens":10}}""";

        assertThatCode(() -> body(Endpoint.MESSAGES, body)).doesNotThrowAnyException();
        assertThat(body(Endpoint.MESSAGES, body).complete()).isFalse();
    }
}
