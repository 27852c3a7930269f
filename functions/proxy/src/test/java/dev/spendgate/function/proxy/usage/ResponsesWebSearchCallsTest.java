package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * OpenAI bills each web-search tool call of a Responses answer ($10 per 1,000): one {@code web_search_call} item of
 * its {@code output} each. They are counted in the body, or from the final event when streamed, and go into the
 * tracked usage the call is priced and recorded with.
 */
class ResponsesWebSearchCallsTest {
    private static final String USAGE = """
            "usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":0},"output_tokens":200,\
            "output_tokens_details":{"reasoning_tokens":0},"total_tokens":1200}""";

    @Test
    void body_countsOnlyTheOutputItemsThatAreWebSearchCalls() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        // the answer quotes the item type in its text and a nested object: neither is a call
        tracker.onBody(("""
                        {"id":"resp_1","output":[\
                        {"id":"ws_1","status":"completed","type":"web_search_call","action":{"type":"search"}},\
                        {"type":"reasoning","id":"rs_1","summary":[{"type":"web_search_call"}]},\
                        {"type":"web_search_call","id":"ws_2","status":"completed"},\
                        {"type":"message","content":[{"type":"output_text","text":"\\"type\\":\\"web_search_call\\""}]}],\
                        "model":"gpt-5-2025-08-07",""" + USAGE + "}").getBytes(StandardCharsets.UTF_8));

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().webSearches()).isEqualTo(2);
        assertThat(usage.tokens().inputTokens()).isEqualTo(1000);
        assertThat(usage.modelServed()).isEqualTo("gpt-5-2025-08-07");
    }

    @Test
    void body_withoutWebSearchCalls_hasNone() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onBody(("{\"model\":\"gpt-5\",\"output\":[{\"type\":\"message\",\"content\":[]}]," + USAGE + "}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(tracker.result().tokens().webSearches()).isZero();
    }

    @Test
    void stream_countsTheWebSearchCallsOfTheCompletedResponse() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] sse = ("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5","status":"in_progress",\
                "output":[],"usage":null}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","output_index":0,"item":{"type":"web_search_call",\
                "id":"ws_1","status":"completed"}}

                event: response.output_text.delta
                data: {"type":"response.output_text.delta","delta":"Per the sources"}

                event: response.completed
                data: {"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",\
                "output":[{"type":"web_search_call","id":"ws_1","status":"completed"},\
                {"type":"web_search_call","id":"ws_2","status":"completed"},\
                {"type":"message","content":[{"type":"output_text","text":"Per the sources"}]}],""" + USAGE + """
                }}

                """).getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(sse, 0, sse.length);

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isTrue();
        assertThat(usage.tokens().webSearches()).isEqualTo(2);
    }
    /**
     * A stream cut before {@code response.completed} has no usage, so its tokens are estimated; the searches it showed
     * done ran and are billed all the same ($10 per 1,000), on top of the estimate. Before, they were lost with the
     * usage: the call was priced at its estimated tokens alone.
     */
    @Test
    void stream_cutBeforeItsFinalEvent_keepsTheSearchesItShowedDone() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] sse = ("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5","status":"in_progress",\
                "output":[],"usage":null}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","output_index":0,"item":{"type":"web_search_call",\
                "id":"ws_1","status":"completed"}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","output_index":1,"item":{"type":"web_search_call",\
                "id":"ws_2","status":"completed"}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","output_index":1,"item":{"type":"web_search_call",\
                "id":"ws_2","status":"completed"}}

                event: response.output_text.delta
                data: {"type":"response.output_text.delta","delta":"Per the sources"}

                """).getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(sse, 0, sse.length);

        TrackedUsage usage = tracker.result();

        assertThat(usage.complete()).isFalse();
        assertThat(usage.tokens()).isNull();
        assertThat(usage.webSearchesSeen())
                .as("ws_1 and ws_2, the repeated event counted once")
                .isEqualTo(2);
    }

    /** R26F-5: a reasoning model's page actions (opening a page, finding in it) are not searches OpenAI bills. */
    @Test
    void body_countsSearchActionsNotPageActions() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        // the action comes before or after the item's type; a page action's own fields do not matter
        tracker.onBody(("""
                        {"id":"resp_1","output":[\
                        {"type":"web_search_call","id":"ws_1","action":{"type":"search","query":"EU AI Act"}},\
                        {"action":{"url":"https://example.eu/53","type":"open_page"},"type":"web_search_call","id":"ws_2"},\
                        {"type":"web_search_call","id":"ws_3","action":{"type":"find_in_page","pattern":"risk",\
                        "url":"https://example.eu/53"}},\
                        {"type":"web_search_call","id":"ws_4","action":{"type":"search","sources":[{"type":"url"}]}}],\
                        "model":"gpt-5-2025-08-07",""" + USAGE + "}").getBytes(StandardCharsets.UTF_8));

        assertThat(tracker.result().tokens().webSearches()).isEqualTo(2);
    }

    @Test
    void stream_countsSearchActionsNotPageActions_whetherCompletedOrCut() {
        String done = """
                event: response.output_item.done
                data: {"type":"response.output_item.done","item":{"type":"web_search_call","id":"ws_1",\
                "action":{"type":"search","query":"EU AI Act"}}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","item":{"type":"web_search_call","id":"ws_2",\
                "action":{"type":"open_page","url":"https://example.eu/53"}}}

                event: response.output_item.done
                data: {"type":"response.output_item.done","item":{"type":"web_search_call","id":"ws_3",\
                "action":{"type":"find_in_page","url":"https://example.eu/53","pattern":"risk"}}}

                """;
        String completed = """
                event: response.completed
                data: {"type":"response.completed","response":{"id":"resp_1","model":"gpt-5","status":"completed",\
                "output":[{"type":"web_search_call","id":"ws_1","action":{"type":"search"}},\
                {"type":"web_search_call","id":"ws_2","action":{"type":"open_page"}},\
                {"type":"web_search_call","id":"ws_3","action":{"type":"find_in_page"}}],""" + USAGE + "}}\n\n";

        assertThat(stream(done + completed).tokens().webSearches()).isEqualTo(1);
        assertThat(stream(done).webSearchesSeen()).isEqualTo(1);
    }

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }
}
