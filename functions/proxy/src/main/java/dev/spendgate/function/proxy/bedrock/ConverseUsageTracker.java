package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;
import dev.spendgate.function.proxy.usage.SseDecoder;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageTracker;

/**
 * Converse and ConverseStream: {@code usage} in the response body, or in the stream's {@code metadata} event.
 * {@code inputTokens}, {@code cacheReadInputTokens} and {@code cacheWriteInputTokens} are disjoint (Anthropic
 * semantics); cache writes split into 5-minute and 1-hour by {@code cacheDetails} when Bedrock reports it. A stream
 * that ends with an exception event ({@code throttlingException}, {@code serviceUnavailableException}, ...) before any
 * content or usage was served nothing: it is reported as {@link TrackedUsage#unserved}, not estimated; one after
 * content is estimated under the exception's name ({@link TrackedUsage#withStreamException}). A call to a
 * prompt router ({@code modelId} a {@code prompt-router} ARN) is billed as the model the router chose, which Bedrock
 * names in {@code trace.promptRouter.invokedModelId}: that is the model served.
 */
final class ConverseUsageTracker extends UsageTracker {
    private static final String EXCEPTION_EVENT = "exception:";

    private TokenUsage tokens;
    private boolean complete;
    private String exception;
    private String routedTo;

    @Override
    protected java.util.Set<String> bodyFields() {
        return BODY_FIELDS;
    }

    private static final java.util.Set<String> BODY_FIELDS =
            java.util.Set.of("serviceTier", "performanceConfig", "usage", "trace");

    @Override
    protected void readBody(JsonNode root) {
        readTier(root);
        readRoute(root);
        read(root.path("usage"));
    }

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        return event.nameIs("contentBlockDelta");
    }

    @Override
    protected void readEvent(String event, JsonNode node) {
        if (event != null && event.startsWith(EXCEPTION_EVENT)) {
            exception = event.substring(EXCEPTION_EVENT.length());
            return;
        }
        if ("metadata".equals(event) || (event == null && node.has("usage"))) {
            readTier(node);
            readRoute(node);
            read(node.path("usage"));
        }
    }

    @Override
    protected void appendDeltaText(JsonNode event, StringBuilder text) {
        JsonNode delta = event.path("delta");
        appendIfText(delta.get("text"), text);
        appendIfText(delta.path("reasoningContent").get("text"), text);
        appendIfText(delta.path("toolUse").get("input"), text);
    }

    @Override
    protected TrackedUsage usage(String streamedText) {
        if (exception != null && !exception.isBlank() && tokens == null && !sawDeltas()) {
            return TrackedUsage.unserved(exception);
        }
        TrackedUsage tracked = new TrackedUsage(tokens, complete, routedTo, streamedText);
        return exception != null && !exception.isBlank() ? tracked.withStreamException(exception) : tracked;
    }

    private void readRoute(JsonNode node) {
        JsonNode invoked = node.path("trace").path("promptRouter").get("invokedModelId");
        if (invoked != null && invoked.isTextual() && !invoked.asText().isBlank()) {
            routedTo = invoked.asText();
        }
    }

    /**
     * {@code serviceTier.type} (priority, default, flex, reserved) and {@code performanceConfig.latency}, read as
     * {@link BedrockTier#served}: latency-optimized beside {@code default} is latency-optimized, latency {@code
     * standard} alone (a latency-optimized request served past its quota) is standard.
     */
    private void readTier(JsonNode node) {
        String tier = BedrockTier.served(
                text(node.path("serviceTier").get("type")),
                text(node.path("performanceConfig").get("latency")));
        if (tier != null) {
            serviceTier = tier;
        }
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private void read(JsonNode usage) {
        if (!usage.isObject() || !usage.has("inputTokens")) {
            return;
        }
        long input = UsageCounts.count(usage.get("inputTokens")); // null: no count, estimated
        long cacheRead = usage.path("cacheReadInputTokens").asLong();
        long cacheWrite = usage.path("cacheWriteInputTokens").asLong();
        long oneHour = 0;
        for (JsonNode detail : usage.path("cacheDetails")) {
            if ("1h".equals(detail.path("ttl").asText())) {
                oneHour += detail.path("inputTokens").asLong();
            }
        }
        oneHour = Math.min(oneHour, cacheWrite);
        long output = UsageCounts.count(usage.get("outputTokens"));
        complete = UsageCounts.valid(input, cacheRead, cacheWrite - oneHour, oneHour, output);
        tokens = UsageCounts.anthropic(input, cacheRead, cacheWrite - oneHour, oneHour, output);
    }

    private static void appendIfText(JsonNode node, StringBuilder text) {
        if (node != null && node.isTextual()) {
            text.append(node.asText());
        }
    }
}
