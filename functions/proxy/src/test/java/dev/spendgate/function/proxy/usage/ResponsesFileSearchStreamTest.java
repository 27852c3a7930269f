package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * R26F-2 when streamed: the searches a {@code file_search} tool ran are counted from the completed response, or, when
 * the stream is cut before it, from the items shown done, so the estimate is not priced at its tokens alone.
 */
class ResponsesFileSearchStreamTest {
    private static final String FILE_SEARCH_DONE = """
            event: response.output_item.done
            data: {"type":"response.output_item.done","output_index":0,"item":{"type":"file_search_call",\
            "id":"fs_1","status":"completed","queries":["refund policy"],"results":null}}

            """;

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void completedStream_countsTheFileSearchesOfTheResponse() {
        TrackedUsage usage = stream(FILE_SEARCH_DONE + """
                event: response.completed
                data: {"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",\
                "output":[{"type":"file_search_call","id":"fs_1","status":"completed"},\
                {"type":"file_search_call","id":"fs_2","status":"completed"},\
                {"type":"message","content":[{"type":"output_text","text":"30 days"}]}],\
                "usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}}

                """);

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().fileSearches()).isEqualTo(2);
    }

    @Test
    void cutStream_carriesTheFileSearchesSeenDone() {
        TrackedUsage usage = stream("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5","status":"in_progress",\
                "output":[],"usage":null}}

                """ + FILE_SEARCH_DONE);

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
        assertThat(usage.fileSearchesSeen()).isEqualTo(1);
    }
}
