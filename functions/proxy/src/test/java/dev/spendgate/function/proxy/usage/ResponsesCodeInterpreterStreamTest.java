package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * R26F-3 when streamed: the code a {@code code_interpreter} tool ran is counted from the completed response, or, when
 * the stream is cut before it, from the items shown done, so the estimate is not priced at its tokens alone.
 */
class ResponsesCodeInterpreterStreamTest {
    private static final String CODE_DONE = """
            event: response.output_item.done
            data: {"type":"response.output_item.done","output_index":0,"item":{"type":"code_interpreter_call",\
            "id":"ci_1","status":"completed","code":"print(sum(range(1, 101)))","container_id":"cntr_1",\
            "outputs":null}}

            """;

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void completedStream_countsTheCodeInterpreterCallsOfTheResponse() {
        TrackedUsage usage = stream(CODE_DONE + """
                event: response.completed
                data: {"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",\
                "output":[{"type":"code_interpreter_call","id":"ci_1","status":"completed","container_id":"cntr_1"},\
                {"type":"message","content":[{"type":"output_text","text":"5050"}]}],\
                "usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}}

                """);

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().codeInterpreterCalls()).isEqualTo(1);
    }

    @Test
    void cutStream_carriesTheCodeInterpreterCallsSeenDone() {
        TrackedUsage usage = stream("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5","status":"in_progress",\
                "output":[],"usage":null}}

                """ + CODE_DONE);

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
        assertThat(usage.codeInterpreterCallsSeen()).isEqualTo(1);
    }
}
