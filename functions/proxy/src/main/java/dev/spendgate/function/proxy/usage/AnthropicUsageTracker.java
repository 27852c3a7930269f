package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;

/**
 * {@code /v1/messages}: {@code input_tokens}, {@code cache_read_input_tokens} and
 * {@code cache_creation_input_tokens} are disjoint (cache writes split into 5-minute and 1-hour by
 * {@code cache_creation}); streamed, input arrives in {@code message_start} and the final {@code output_tokens} in
 * {@code message_delta}. Server-side web searches, billed per search, are {@code usage.server_tool_use.web_search_requests}
 * (cumulative in each {@code message_delta}); a stream cut before its {@code message_delta} is billed the searches it
 * showed run: each {@code web_search_tool_result} block whose content is a result list (an error object is not
 * billed). An {@code error} event ({@code overloaded_error}, "would normally
 * correspond to an HTTP 529") before {@code message_start} and any content served nothing: it is reported as
 * {@link TrackedUsage#unserved}, not estimated; one after them is estimated under the error's type
 * ({@link TrackedUsage#withStreamException}) rather than {@code usage_missing}.
 */
final class AnthropicUsageTracker extends UsageTracker {
    private long input;
    private long cacheRead;
    private long cacheWrite5m;
    private long cacheWrite1h;
    private long output;
    private long webSearches;
    /** The {@code web_search_tool_result} blocks with results the stream showed, for a stream cut before its count. */
    private long searchResultsSeen;

    private boolean sawInput;
    private boolean sawFinalOutput;
    /** The type of the error event the stream carried ({@code overloaded_error}, ...); null without one. */
    private String error;

    @Override
    protected void readBody(JsonNode root) {
        rememberModel(root);
        JsonNode usage = root.path("usage");
        // Only a Messages usage: a Bedrock InvokeModel body of another family (Amazon Nova's camelCase inputTokens,
        // gpt-oss's prompt_tokens) is left incomplete, so that Bedrock's token-count headers price it.
        if (usage.isObject() && usage.has("input_tokens")) {
            readInput(usage);
            output = UsageCounts.count(usage.get("output_tokens")); // null or absent: no count, estimated
            readSearches(usage);
            sawFinalOutput = true;
        }
    }

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        return event.nameIs("content_block_delta");
    }

    @Override
    protected void readEvent(String event, JsonNode node) {
        String type = event != null ? event : node.path("type").asText();
        if ("message_start".equals(type)) {
            JsonNode message = node.path("message");
            rememberModel(message);
            JsonNode usage = message.path("usage");
            if (usage.isObject()) {
                readInput(usage);
                output = usage.path("output_tokens").asLong();
            }
        } else if ("content_block_start".equals(type)) {
            JsonNode block = node.path("content_block");
            if ("web_search_tool_result".equals(block.path("type").asText())
                    && block.path("content").isArray()) {
                searchResultsSeen++;
            }
        } else if ("error".equals(type)) {
            String named = node.path("error").path("type").asText("");
            error = named.isBlank() ? "error" : named;
        } else if ("message_delta".equals(type)) {
            JsonNode usage = node.path("usage");
            if (usage.isObject()) {
                if (usage.hasNonNull("input_tokens")
                        && usage.get("input_tokens").asLong() > 0) {
                    readInput(usage);
                }
                // the final output count: null (or absent) is no count, and the call is estimated from its text
                output = UsageCounts.count(usage.get("output_tokens"));
                readSearches(usage);
                sawFinalOutput = true;
            }
        }
    }

    @Override
    protected void appendDeltaText(JsonNode delta, StringBuilder text) {
        JsonNode d = delta.path("delta");
        appendText(d.get("text"), text);
        appendText(d.get("thinking"), text);
        appendText(d.get("partial_json"), text);
    }

    @Override
    protected TrackedUsage usage(String streamedText) {
        if (error != null && !sawInput && !sawDeltas()) {
            return TrackedUsage.unserved(error);
        }
        TrackedUsage tracked = counted(streamedText);
        if (!sawFinalOutput && searchResultsSeen > webSearches) {
            // cut before message_delta's count: the searches whose results came were run, and are billed
            tracked = tracked.withWebSearchesSeen(searchResultsSeen);
        }
        return error != null && !tracked.complete() ? tracked.withStreamException(error) : tracked;
    }

    private TrackedUsage counted(String streamedText) {
        if (!sawInput) {
            return new TrackedUsage(null, false, modelServed, streamedText);
        }
        TokenUsage tokens = UsageCounts.anthropic(input, cacheRead, cacheWrite5m, cacheWrite1h, output);
        boolean counted = UsageCounts.valid(input, cacheRead, cacheWrite5m, cacheWrite1h, output) && webSearches >= 0;
        if (tokens != null && webSearches > 0) {
            tokens = tokens.withWebSearches(webSearches);
        }
        return new TrackedUsage(tokens, sawFinalOutput && counted, modelServed, streamedText);
    }

    /** The searches so far (cumulative: a later event's count replaces an earlier one; one without it keeps it). */
    private void readSearches(JsonNode usage) {
        webSearches = usage.path("server_tool_use").path("web_search_requests").asLong(webSearches);
    }

    private void readInput(JsonNode usage) {
        sawInput = true;
        rememberServiceTier(usage, "service_tier");
        if ("fast".equals(usage.path("speed").asText())) {
            serviceTier = ServiceTiers.FAST_MODE; // billed at the model's fast-mode multiple, whatever the tier says
        }
        JsonNode geo = usage.get("inference_geo");
        if (geo != null && geo.isTextual()) {
            inferenceGeo = geo.asText();
        }
        // a count the event leaves out keeps the value an earlier event gave (message_start starts them at 0): a
        // message_delta relayed by another provider may carry input_tokens without the cache counts
        // the input is a count or none (null, absent: the call is estimated); a message_delta only brings a positive
        // one
        input = UsageCounts.count(usage.get("input_tokens"));
        cacheRead = usage.path("cache_read_input_tokens").asLong(cacheRead);
        if (!usage.hasNonNull("cache_creation_input_tokens") && !usage.has("cache_creation")) {
            return;
        }
        long creation = usage.path("cache_creation_input_tokens").asLong(cacheWrite5m + cacheWrite1h);
        JsonNode split = usage.path("cache_creation");
        if (split.isObject()) {
            cacheWrite5m = split.path("ephemeral_5m_input_tokens").asLong();
            cacheWrite1h = split.path("ephemeral_1h_input_tokens").asLong();
            long rest = creation - cacheWrite5m - cacheWrite1h;
            if (rest > 0) {
                cacheWrite5m += rest;
            }
        } else {
            // A streamed message_delta repeats the total without the split: the 1-hour part message_start gave stands.
            cacheWrite1h = Math.min(cacheWrite1h, creation);
            cacheWrite5m = creation - cacheWrite1h;
        }
    }
}
