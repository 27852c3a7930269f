package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Anthropic bills each server-side web search ($10 per 1,000) that returned results; a search that failed comes back
 * as a {@code web_search_tool_result} whose content is an error object and is not billed
 * (docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool, "Errors"). The streamed count is in
 * {@code message_delta}; a stream cut before it is billed the result blocks it showed.
 */
class AnthropicWebSearchResultsTest {
    private static final String START = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","content":[],\
            "usage":{"input_tokens":900,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result",\
            "tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://example.com/a"}]}}

            event: content_block_start
            data: {"type":"content_block_start","index":3,"content_block":{"type":"web_search_tool_result",\
            "tool_use_id":"srvtoolu_2","content":{"type":"web_search_tool_result_error","error_code":"max_uses_exceeded"}}}

            event: content_block_start
            data: {"type":"content_block_start","index":4,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":4,"delta":{"type":"text_delta","text":"One source says"}}

            """;

    private static TrackedUsage track(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.MESSAGES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void streamCutBeforeMessageDelta_billsTheSearchesThatReturnedResults() {
        TrackedUsage usage = track(START);

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens().inputTokens()).isEqualTo(900);
        assertThat(usage.webSearchesSeen())
                .as("the errored search is not billed")
                .isEqualTo(1);
    }

    @Test
    void messageDeltaCount_isTheOneBilled() {
        TrackedUsage usage = track(START + """
                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},\
                "usage":{"output_tokens":40,"server_tool_use":{"web_search_requests":3}}}

                """);

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().webSearches()).isEqualTo(3);
        assertThat(usage.webSearchesSeen()).isZero();
    }
}
