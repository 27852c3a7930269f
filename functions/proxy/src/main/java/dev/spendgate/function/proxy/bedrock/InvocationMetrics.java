package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.TrackedUsage;

/**
 * Bedrock's own token counts for InvokeModel, whatever the model's body format: the
 * {@code X-Amzn-Bedrock-*-Token-Count} response headers, or the {@code amazon-bedrock-invocationMetrics} of a
 * stream's last chunk. Used when the model's body carries no usage Spendgate reads (Llama, Mistral, Titan, ...).
 */
public final class InvocationMetrics {
    private TokenUsage tokens;

    /** Reads the response headers of a non-streamed InvokeModel. */
    public void readHeaders(Headers headers) {
        String input = headers.first("X-Amzn-Bedrock-Input-Token-Count");
        String output = headers.first("X-Amzn-Bedrock-Output-Token-Count");
        if (input == null || output == null) {
            return;
        }
        try {
            long in = Long.parseLong(input.trim());
            long cacheRead = number(headers.first("X-Amzn-Bedrock-Cache-Read-Input-Token-Count"));
            long cacheWrite = number(headers.first("X-Amzn-Bedrock-Cache-Write-Input-Token-Count"));
            long out = Long.parseLong(output.trim());
            // a negative count, or counts whose sum overflows a long, are none: estimated
            tokens = UsageCounts.valid(in, cacheRead, cacheWrite, 0, out)
                    ? TokenUsage.anthropic(in, cacheRead, cacheWrite, 0, out)
                    : null;
        } catch (NumberFormatException e) {
            tokens = null;
        }
    }

    /** Reads {@code amazon-bedrock-invocationMetrics} from a stream chunk's event. */
    void readMetrics(JsonNode metrics) {
        if (!metrics.hasNonNull("inputTokenCount") || !metrics.hasNonNull("outputTokenCount")) {
            return;
        }
        long input = metrics.get("inputTokenCount").asLong();
        long cacheRead = metrics.path("cacheReadInputTokenCount").asLong();
        long cacheWrite = metrics.path("cacheWriteInputTokenCount").asLong();
        long output = metrics.get("outputTokenCount").asLong();
        if (UsageCounts.valid(input, cacheRead, cacheWrite, 0, output)) { // a negative or overflowing count is none
            tokens = TokenUsage.anthropic(input, cacheRead, cacheWrite, 0, output);
        }
    }

    /** {@code tracked} when complete, else Bedrock's counts when it sent them, else {@code tracked}. */
    public TrackedUsage orElse(TrackedUsage tracked) {
        if (tracked.complete() || tokens == null) {
            return tracked;
        }
        return new TrackedUsage(
                tokens,
                true,
                tracked.modelServed(),
                tracked.streamedText(),
                tracked.serviceTier(),
                tracked.inferenceGeo());
    }

    private static long number(String value) {
        return value == null || value.isBlank() ? 0 : Long.parseLong(value.trim());
    }
}
