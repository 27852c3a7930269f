package dev.spendgate.function.proxy.usage;

/**
 * Reads one response for its usage, whichever way it arrives: a whole body, SSE events, or AWS event-stream events.
 * Most APIs read all three with one {@link UsageTracker} ({@link #of}); Bedrock's InvokeModel adds what its headers
 * and stream chunks report.
 */
public interface UsageReading {

    /** A complete non-streamed response body. */
    void onBody(byte[] body);

    /** Receives SSE events. */
    SseDecoder.Listener sseEvents();

    /** Receives AWS event-stream events. */
    SseDecoder.Listener eventStreamEvents();

    /** What was read: tokens, model and tier served, and the text streamed (for estimates). */
    TrackedUsage result();

    static UsageReading of(UsageTracker tracker) {
        return new UsageReading() {
            @Override
            public void onBody(byte[] body) {
                tracker.onBody(body);
            }

            @Override
            public SseDecoder.Listener sseEvents() {
                return tracker;
            }

            @Override
            public SseDecoder.Listener eventStreamEvents() {
                return tracker;
            }

            @Override
            public TrackedUsage result() {
                return tracker.result();
            }
        };
    }
}
