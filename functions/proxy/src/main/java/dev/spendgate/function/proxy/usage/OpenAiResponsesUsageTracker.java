package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;
import java.io.IOException;

/**
 * {@code /v1/responses}: usage is {@code input_tokens} (including {@code input_tokens_details.cached_tokens}) and
 * {@code output_tokens} (including {@code output_tokens_details.reasoning_tokens}); streamed, it is in the
 * {@code response.completed} (or {@code .incomplete} / {@code .failed}) event. The output items billed on top of the
 * tokens ({@link ResponsesBilledItems}: web searches, images the {@code image_generation} tool made, file searches,
 * code interpreter calls) are counted in the body's single pass (the output's items are not built as trees) or from
 * the final event's response, or, in a stream cut before it, from the items it showed done. A stream that ends in
 * {@code response.failed}, or in the streaming {@code error} event, with no usage and no output (no output item, no
 * delta) served nothing: it is reported as {@link TrackedUsage#unserved} under the error's {@code code}, not
 * estimated; one that failed after output and without usage is estimated under that code rather than
 * {@code usage_missing}.
 */
final class OpenAiResponsesUsageTracker extends UsageTracker {
    private static final java.util.Set<String> BODY_FIELDS = java.util.Set.of("id", "model", "service_tier", "usage");

    private TokenUsage tokens;
    private boolean complete;
    private final ResponsesBilledItems billed = new ResponsesBilledItems();
    /** The error code of the {@code response.failed} or {@code error} event the stream ended with; else null. */
    private String failed;
    /** Whether any output item was added, listed or done. */
    private boolean sawOutput;
    /** The response's {@code id}, which a later call names as its {@code previous_response_id}; null until seen. */
    private String responseId;

    @Override
    protected java.util.Set<String> bodyFields() {
        return BODY_FIELDS;
    }

    @Override
    protected void readBody(JsonNode root) {
        rememberId(root);
        rememberModel(root);
        rememberServiceTier(root, "service_tier");
        readUsage(root.path("usage"));
    }

    @Override
    protected boolean scanBodyField(String name, JsonParser p) throws IOException {
        if (!"output".equals(name)) {
            return false;
        }
        billed.list(p);
        return true;
    }

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        return event.nameEndsWith(".delta");
    }

    @Override
    protected void readEvent(String event, JsonNode node) {
        JsonNode done = node.get("item");
        if (done != null && event != null && event.endsWith("output_item.done")) {
            billed.done(done);
        }
        if (done != null || (event != null && event.startsWith("response.output_"))) {
            sawOutput = true;
        }
        if ("error".equals(event) || "error".equals(node.path("type").asText())) {
            // the streaming error event ends a stream as response.failed does; before any output it served nothing
            failed = errorCode(node);
        }
        JsonNode response = node.path("response");
        if (response.isObject()) {
            rememberId(response);
            rememberModel(response);
            rememberServiceTier(response, "service_tier");
            readUsage(response.path("usage"));
            JsonNode output = response.get("output");
            if (output != null && output.isArray() && !output.isEmpty()) {
                sawOutput = true;
            }
            String type = event != null ? event : node.path("type").asText();
            if ("response.failed".equals(type)) {
                String code = response.path("error").path("code").asText("");
                failed = code.isBlank() ? "response_failed" : code;
            }
            if (output != null && output.isArray()) {
                billed.list(output); // each response event carries the output so far; the final one all of it
            }
        }
    }

    @Override
    protected void appendDeltaText(JsonNode delta, StringBuilder text) {
        appendText(delta.get("delta"), text);
    }

    @Override
    protected TrackedUsage usage(String streamedText) {
        if (failed != null && tokens == null && !sawOutput && !sawDeltas()) {
            return TrackedUsage.unserved(failed);
        }
        TrackedUsage tracked = counted(streamedText);
        return failed != null && !tracked.complete() ? tracked.withStreamException(failed) : tracked;
    }

    private TrackedUsage counted(String streamedText) {
        long searches = billed.count(ResponsesBilledItems.Kind.WEB_SEARCH);
        long images = billed.count(ResponsesBilledItems.Kind.IMAGE_GENERATION);
        long files = billed.count(ResponsesBilledItems.Kind.FILE_SEARCH);
        long code = billed.count(ResponsesBilledItems.Kind.CODE_INTERPRETER);
        TokenUsage used = tokens != null && searches > 0 ? tokens.withWebSearches(searches) : tokens;
        used = used != null
                ? used.withImageGenerations(images).withFileSearches(files).withCodeInterpreterCalls(code)
                : null;
        TrackedUsage tracked = new TrackedUsage(used, complete, modelServed, streamedText).withResponseId(responseId);
        // a stream cut before its usage: the tool calls it showed done are billed on top of the estimate
        tracked = tokens == null && searches > 0 ? tracked.withWebSearchesSeen(searches) : tracked;
        tracked = tokens == null && files > 0 ? tracked.withFileSearchesSeen(files) : tracked;
        tracked = tokens == null && code > 0 ? tracked.withCodeInterpreterCallsSeen(code) : tracked;
        return tokens == null && images > 0 ? tracked.withImageGenerationsSeen(images) : tracked;
    }

    /** The code an {@code error} event names ({@code code}, or its {@code error} object's code or type). */
    private static String errorCode(JsonNode node) {
        JsonNode nested = node.path("error");
        for (JsonNode named : new JsonNode[] {node.get("code"), nested.get("code"), nested.get("type")}) {
            if (named != null && named.isTextual() && !named.asText().isBlank()) {
                return named.asText();
            }
        }
        return "error";
    }

    private void rememberId(JsonNode response) {
        JsonNode id = response.get("id");
        if (responseId == null
                && id != null
                && id.isTextual()
                && !id.asText().isBlank()
                && id.asText().length() <= 256) {
            responseId = id.asText();
        }
    }

    private void readUsage(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        long input = UsageCounts.count(usage.get("input_tokens")); // null or absent: no count, estimated
        long cached = usage.path("input_tokens_details").path("cached_tokens").asLong();
        long cacheWrite =
                usage.path("input_tokens_details").path("cache_write_tokens").asLong();
        long output = UsageCounts.count(usage.get("output_tokens"));
        long reasoning =
                usage.path("output_tokens_details").path("reasoning_tokens").asLong();
        complete = UsageCounts.valid(input, cached, cacheWrite, output, reasoning);
        tokens = UsageCounts.openAi(input, cached, cacheWrite, output, reasoning);
    }
}
