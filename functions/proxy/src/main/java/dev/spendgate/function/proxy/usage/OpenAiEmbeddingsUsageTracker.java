package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;

/** {@code /v1/embeddings}: {@code usage.prompt_tokens}, no output tokens, never streamed. */
final class OpenAiEmbeddingsUsageTracker extends UsageTracker {
    private TokenUsage tokens;

    @Override
    protected void readBody(JsonNode root) {
        rememberModel(root);
        JsonNode usage = root.path("usage");
        if (usage.isObject()) {
            long prompt = UsageCounts.count(usage.get("prompt_tokens"));
            tokens = prompt < 0 ? null : TokenUsage.openAi(prompt, 0, 0, 0); // null or negative: no count, estimated
        }
    }

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        return false;
    }

    @Override
    protected void readEvent(String event, JsonNode node) {}

    @Override
    protected void appendDeltaText(JsonNode delta, StringBuilder text) {}

    @Override
    protected TrackedUsage usage(String streamedText) {
        return new TrackedUsage(tokens, tokens != null, modelServed, streamedText);
    }
}
