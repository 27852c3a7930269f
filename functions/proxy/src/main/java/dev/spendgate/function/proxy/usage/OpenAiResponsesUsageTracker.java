package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;
import java.io.IOException;

/**
 * {@code /v1/responses}: usage is {@code input_tokens} (including {@code input_tokens_details.cached_tokens}) and
 * {@code output_tokens} (including {@code output_tokens_details.reasoning_tokens}); streamed, it is in the
 * {@code response.completed} (or {@code .incomplete} / {@code .failed}) event. Each {@code web_search_call} item of
 * the response's {@code output} is one web-search tool call, billed per call on top of the tokens: counted in the
 * body's single pass (the output's items are not built as trees) or from the final event's response. Each
 * {@code image_generation_call} item is one image the {@code image_generation} tool made, billed at GPT Image rates
 * on top of the tokens ({@link TokenUsage#imageGenerations}), counted the same way, as is each
 * {@code file_search_call} item, one search the {@code file_search} tool ran, billed per call
 * ({@link TokenUsage#fileSearches}), and each {@code code_interpreter_call} item, code the
 * {@code code_interpreter} tool ran in a container billed on top of the tokens ({@link TokenUsage#codeInterpreterCalls}). A stream that
 * ends in {@code response.failed}, or in the streaming {@code error} event, with no usage and no output (no output item, no delta) served nothing: it is
 * reported as {@link TrackedUsage#unserved} under the error's {@code code}, not estimated; one that failed after
 * output and without usage is estimated under that code rather than {@code usage_missing}.
 */
final class OpenAiResponsesUsageTracker extends UsageTracker {
    private static final String WEB_SEARCH_CALL = "web_search_call";
    private static final String IMAGE_GENERATION_CALL = "image_generation_call";
    private static final String FILE_SEARCH_CALL = "file_search_call";
    private static final String CODE_INTERPRETER_CALL = "code_interpreter_call";
    private static final java.util.Set<String> BODY_FIELDS = java.util.Set.of("id", "model", "service_tier", "usage");

    private TokenUsage tokens;
    private boolean complete;
    private long webSearches;
    private long imageGenerations;
    private long fileSearches;
    private long codeInterpreterCalls;
    /** Ids of the web-search items a stream showed done ({@code response.output_item.done}), in case it is cut. */
    private final java.util.Set<String> searchesDone = new java.util.HashSet<>();
    /** Ids of the image-generation items a stream showed done, in case it is cut. */
    private final java.util.Set<String> imagesDone = new java.util.HashSet<>();
    /** Ids of the file-search items a stream showed done, in case it is cut. */
    private final java.util.Set<String> fileSearchesDone = new java.util.HashSet<>();
    /** Ids of the code-interpreter items a stream showed done, in case it is cut. */
    private final java.util.Set<String> codeInterpreterDone = new java.util.HashSet<>();
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
        long[] counted = countToolCalls(p);
        webSearches = counted[0];
        imageGenerations = counted[1];
        fileSearches = counted[2];
        codeInterpreterCalls = counted[3];
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
            String type = done.path("type").asText();
            if (WEB_SEARCH_CALL.equals(type)) {
                searchesDone.add(done.path("id").asText("#" + searchesDone.size()));
            } else if (IMAGE_GENERATION_CALL.equals(type)) {
                imagesDone.add(done.path("id").asText("#" + imagesDone.size()));
            } else if (FILE_SEARCH_CALL.equals(type)) {
                fileSearchesDone.add(done.path("id").asText("#" + fileSearchesDone.size()));
            } else if (CODE_INTERPRETER_CALL.equals(type)) {
                codeInterpreterDone.add(done.path("id").asText("#" + codeInterpreterDone.size()));
            }
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
                // each response event carries the output so far; the final one all of it
                long searches = 0;
                long images = 0;
                long files = 0;
                long code = 0;
                for (JsonNode item : output) {
                    String itemType = item.path("type").asText();
                    searches += WEB_SEARCH_CALL.equals(itemType) ? 1 : 0;
                    images += IMAGE_GENERATION_CALL.equals(itemType) ? 1 : 0;
                    files += FILE_SEARCH_CALL.equals(itemType) ? 1 : 0;
                    code += CODE_INTERPRETER_CALL.equals(itemType) ? 1 : 0;
                }
                webSearches = searches;
                imageGenerations = images;
                fileSearches = files;
                codeInterpreterCalls = code;
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
        long searches = Math.max(webSearches, searchesDone.size()); // the final response's output, when it came
        long images = Math.max(imageGenerations, imagesDone.size());
        long files = Math.max(fileSearches, fileSearchesDone.size());
        long code = Math.max(codeInterpreterCalls, codeInterpreterDone.size());
        TokenUsage used = tokens != null && searches > 0 ? tokens.withWebSearches(searches) : tokens;
        used = used != null
                ? used.withImageGenerations(images).withFileSearches(files).withCodeInterpreterCalls(code)
                : null;
        TrackedUsage tracked = new TrackedUsage(used, complete, modelServed, streamedText).withResponseId(responseId);
        // a stream cut before its usage: the searches that ran, and the images made, are billed on top of the estimate
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

    /**
     * The {@code web_search_call}, {@code image_generation_call}, {@code file_search_call} and
     * {@code code_interpreter_call} items of an {@code output} array (in that order),
     * read token by token: only each item's top-level {@code type} is looked at, everything else skipped (an image's
     * base64 {@code result} is not kept). Leaves the parser at the value's last token.
     */
    private static long[] countToolCalls(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return new long[4];
        }
        long searches = 0;
        long images = 0;
        long files = 0;
        long code = 0;
        JsonToken item;
        while ((item = p.nextToken()) != JsonToken.END_ARRAY && item != null) {
            if (item != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && "type".equals(field)) {
                    searches += WEB_SEARCH_CALL.equals(p.getText()) ? 1 : 0;
                    images += IMAGE_GENERATION_CALL.equals(p.getText()) ? 1 : 0;
                    files += FILE_SEARCH_CALL.equals(p.getText()) ? 1 : 0;
                    code += CODE_INTERPRETER_CALL.equals(p.getText()) ? 1 : 0;
                } else {
                    p.skipChildren();
                }
            }
        }
        return new long[] {searches, images, files, code};
    }
}
