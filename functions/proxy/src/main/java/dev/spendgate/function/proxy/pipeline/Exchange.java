package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * One call's response in progress: the client's sink, whether the answer has started (then a failure can no longer
 * be answered with an error), the latest context seen, and the one conclusion (price, settle, record) that happens
 * before the answer's last byte leaves (a carrier with a remote budget store settles and records after it, see
 * {@link ResponseSink#runAfterEnd}).
 */
public final class Exchange {
    /** Prices the call from what was read (when given), settles its budgets and appends its record; once. */
    @FunctionalInterface
    public interface Conclusion {
        Concluded conclude(CallContext ctx, dev.spendgate.function.proxy.usage.TrackedUsage tracked);
    }

    /** The recorded context and the tightest remaining budget after settlement. */
    public record Concluded(CallContext context, Optional<BigDecimal> remaining) {}

    private final ResponseSink sink;
    private final Conclusion conclusion;
    private boolean started;
    private boolean concluded;
    private CallContext latest;

    Exchange(ResponseSink sink, Conclusion conclusion, CallContext first) {
        this.sink = sink;
        this.conclusion = conclusion;
        this.latest = first;
    }

    /** A test exchange over {@code sink} with the given conclusion. */
    public static Exchange of(ResponseSink sink, Conclusion conclusion, CallContext first) {
        return new Exchange(sink, conclusion, first);
    }

    public ResponseSink sink() {
        return sink;
    }

    /** Sends status and headers: from here on the call's outcome is told through the stream, not as a refusal. */
    public void start(int status, Headers headers, long contentLength) throws IOException {
        started = true;
        sink.start(status, headers, contentLength);
    }

    public boolean started() {
        return started;
    }

    public boolean concluded() {
        return concluded;
    }

    /** Remembers how far the call got, for the record written if something unexpected fails. */
    public void progress(CallContext ctx) {
        latest = ctx;
    }

    public CallContext latest() {
        return latest;
    }

    /** Concludes the call (see {@link Conclusion}); only the first successful conclusion does anything. */
    public Concluded conclude(CallContext ctx, dev.spendgate.function.proxy.usage.TrackedUsage tracked) {
        if (concluded) {
            return new Concluded(latest, Optional.empty());
        }
        Concluded done = conclusion.conclude(ctx, tracked); // pricing may fail: then the call is concluded unpriced
        CallStages.stamp(CallStages.Stage.CONCLUDED);
        concluded = true;
        latest = done.context();
        return done;
    }
}
