package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * R24A-2 when streamed: the images an {@code image_generation} tool made are counted from the completed response,
 * or, when the stream is cut before it, from the items shown done, so the estimate is not priced at its tokens alone.
 */
class ResponsesImageGenerationStreamTest {
    private static final String IMAGE_DONE = """
            event: response.output_item.done
            data: {"type":"response.output_item.done","output_index":0,"item":{"type":"image_generation_call",\
            "id":"ig_1","status":"completed","size":"1024x1024","quality":"medium","result":"iVBORw0KGgo"}}

            """;

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void completedStream_countsTheImagesOfTheResponse() {
        TrackedUsage usage = stream(IMAGE_DONE + """
                event: response.completed
                data: {"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",\
                "output":[{"type":"image_generation_call","id":"ig_1","status":"completed"},\
                {"type":"message","content":[{"type":"output_text","text":"Here it is"}]}],\
                "usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}}

                """);

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().imageGenerations()).isEqualTo(1);
    }

    @Test
    void cutStream_carriesTheImagesSeenDone() {
        TrackedUsage usage = stream("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5","status":"in_progress",\
                "output":[],"usage":null}}

                """ + IMAGE_DONE);

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
        assertThat(usage.imageGenerationsSeen()).isEqualTo(1);
    }
}
