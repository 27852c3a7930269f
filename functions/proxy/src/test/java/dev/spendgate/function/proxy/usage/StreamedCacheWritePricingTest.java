package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A streamed Messages call that writes the 1-hour prompt cache is billed at the 1-hour write rate, as the same call
 * unstreamed is. The final {@code message_delta} repeats the cumulative cache counts without the
 * {@code cache_creation} split (MessageDeltaUsage has no such field), so the split of {@code message_start} must
 * survive it.
 */
class StreamedCacheWritePricingTest {
    private static final ModelPrice SONNET =
            PricingCatalog.bundled().find("anthropic", "claude-sonnet-4-5").orElseThrow();

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void anthropicStream_oneHourCacheWrite_isBilledAtTheOneHourRate() {
        TrackedUsage u = stream("""
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","usage":{\
                "input_tokens":12,"cache_creation_input_tokens":100000,"cache_read_input_tokens":0,\
                "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":100000},\
                "output_tokens":1,"service_tier":"standard"}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
                "usage":{"input_tokens":12,"cache_creation_input_tokens":100000,"cache_read_input_tokens":0,\
                "output_tokens":500}}

                event: message_stop
                data: {"type":"message_stop"}

                """);

        assertThat(u.complete()).isTrue();
        assertThat(u.tokens().cacheWrite1hTokens()).isEqualTo(100_000);
        // Sonnet 4.5 (docs.anthropic.com pricing): 12 x 3.00 + 100,000 x 6.00 (1h write) + 500 x 15.00
        assertThat(SONNET.cost(u.tokens())).isEqualByComparingTo("0.607536");
    }

    @Test
    void anthropicFormatStream_finalDeltaWithInputButNoCacheFields_keepsTheCacheCountsOfTheStart() {
        // Anthropic's own message_delta repeats every cumulative count; a provider relaying the format may send only
        // input_tokens and output_tokens there. The cache reads and writes message_start gave must stand.
        TrackedUsage u = stream("""
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","usage":{\
                "input_tokens":12,"cache_creation_input_tokens":2000,"cache_read_input_tokens":50000,\
                "output_tokens":1}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},\
                "usage":{"input_tokens":12,"output_tokens":500}}

                event: message_stop
                data: {"type":"message_stop"}

                """);

        assertThat(u.tokens().cachedInputTokens()).isEqualTo(50_000);
        assertThat(u.tokens().cacheWrite5mTokens()).isEqualTo(2_000);
        // 12 x 3.00 + 2,000 x 3.75 (5-minute write) + 50,000 x 0.30 (read) + 500 x 15.00, per million
        assertThat(SONNET.cost(u.tokens())).isEqualByComparingTo("0.030036");
    }
}
