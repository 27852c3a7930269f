package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;

/**
 * {@code /v1/responses}: usage is {@code input_tokens} (including {@code input_tokens_details.cached_tokens}) and
 * {@code output_tokens} (including {@code output_tokens_details.reasoning_tokens}); streamed, it is in the
 * {@code response.completed} (or {@code .incomplete} / {@code .failed}) event.
 */
final class OpenAiResponsesUsageTracker extends UsageTracker {
    private TokenUsage tokens;
    private boolean complete;

    @Override
    protected void readBody(JsonNode root) {
        rememberModel(root);
        rememberServiceTier(root, "service_tier");
        readUsage(root.path("usage"));
    }

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        return event.nameEndsWith(".delta");
    }

    @Override
    protected void readEvent(String event, JsonNode node) {
        JsonNode response = node.path("response");
        if (response.isObject()) {
            rememberModel(response);
            rememberServiceTier(response, "service_tier");
            readUsage(response.path("usage"));
        }
    }

    @Override
    protected void appendDeltaText(JsonNode delta, StringBuilder text) {
        appendText(delta.get("delta"), text);
    }

    @Override
    protected TrackedUsage usage(String streamedText) {
        return new TrackedUsage(tokens, complete, modelServed, streamedText);
    }

    private void readUsage(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        long input = usage.path("input_tokens").asLong();
        long cached = usage.path("input_tokens_details").path("cached_tokens").asLong();
        long cacheWrite =
                usage.path("input_tokens_details").path("cache_write_tokens").asLong();
        long output = usage.path("output_tokens").asLong();
        long reasoning =
                usage.path("output_tokens_details").path("reasoning_tokens").asLong();
        complete = UsageCounts.valid(input, cached, cacheWrite, output, reasoning);
        tokens = UsageCounts.openAi(input, cached, cacheWrite, output, reasoning);
    }
}
