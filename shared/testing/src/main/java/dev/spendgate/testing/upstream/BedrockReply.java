package dev.spendgate.testing.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link FakeBedrockRuntime} answers one call: the text (streamed in {@code pieces} deltas, {@code gap} apart),
 * the usage it reports (Bedrock semantics: input, cache reads and cache writes are disjoint; {@code cacheWrite1h} is
 * the part of the cache writes with a one-hour TTL), and optionally an error or a stream cut after
 * {@code cutAfterEvents} events (the connection drops in the middle of the next frame).
 */
public record BedrockReply(
        String text,
        int pieces,
        Duration gap,
        long inputTokens,
        long outputTokens,
        long cacheReadInputTokens,
        long cacheWriteInputTokens,
        long cacheWrite1hInputTokens,
        int errorStatus,
        String errorCode,
        String errorMessage,
        int cutAfterEvents) {

    public BedrockReply {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(gap, "gap");
        if (pieces < 1) {
            throw new IllegalArgumentException("pieces must be at least 1");
        }
        if (cacheWrite1hInputTokens > cacheWriteInputTokens) {
            throw new IllegalArgumentException("cacheWrite1hInputTokens is part of cacheWriteInputTokens");
        }
    }

    /** "Hello from Bedrock." in 3 pieces; 25 input and 6 output tokens, no cache. */
    public static BedrockReply defaults() {
        return new BedrockReply("Hello from Bedrock.", 3, Duration.ZERO, 25, 6, 0, 0, 0, 0, null, null, -1);
    }

    public BedrockReply withText(String value, int pieceCount) {
        return new BedrockReply(
                value,
                pieceCount,
                gap,
                inputTokens,
                outputTokens,
                cacheReadInputTokens,
                cacheWriteInputTokens,
                cacheWrite1hInputTokens,
                errorStatus,
                errorCode,
                errorMessage,
                cutAfterEvents);
    }

    public BedrockReply withGap(Duration value) {
        return new BedrockReply(
                text,
                pieces,
                value,
                inputTokens,
                outputTokens,
                cacheReadInputTokens,
                cacheWriteInputTokens,
                cacheWrite1hInputTokens,
                errorStatus,
                errorCode,
                errorMessage,
                cutAfterEvents);
    }

    public BedrockReply withUsage(long input, long output, long cacheRead, long cacheWrite, long cacheWrite1h) {
        return new BedrockReply(
                text,
                pieces,
                gap,
                input,
                output,
                cacheRead,
                cacheWrite,
                cacheWrite1h,
                errorStatus,
                errorCode,
                errorMessage,
                cutAfterEvents);
    }

    /** An error response: {@code x-amzn-ErrorType: code} and {@code {"message": message}}. */
    public BedrockReply withError(int status, String code, String message) {
        return new BedrockReply(
                text,
                pieces,
                gap,
                inputTokens,
                outputTokens,
                cacheReadInputTokens,
                cacheWriteInputTokens,
                cacheWrite1hInputTokens,
                status,
                code,
                message,
                cutAfterEvents);
    }

    /** Streams only: drop the connection in the middle of the frame after {@code events} whole events. */
    public BedrockReply withCutAfter(int events) {
        return new BedrockReply(
                text,
                pieces,
                gap,
                inputTokens,
                outputTokens,
                cacheReadInputTokens,
                cacheWriteInputTokens,
                cacheWrite1hInputTokens,
                errorStatus,
                errorCode,
                errorMessage,
                events);
    }

    public boolean isError() {
        return errorStatus > 0;
    }
}
