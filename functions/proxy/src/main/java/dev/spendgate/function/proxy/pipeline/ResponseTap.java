package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.Headers;

/**
 * Watches an answer as the relay passes it on, for what happens beside the client's answer (the response cache fills
 * from it): adds headers before the answer starts, and sees a whole body or a stream's bytes, then the concluded
 * call. Never changes what the client receives.
 */
public interface ResponseTap {
    ResponseTap NONE = new ResponseTap() {};

    /** Headers to add to the answer (called before it starts). */
    default void headers(CallContext ctx, Headers back) {}

    /** A non-streamed answer, after the call is concluded (priced and recorded). */
    default void whole(CallContext concluded, byte[] body) {}

    /** A watcher of a streamed answer's bytes, or null when this call's stream is of no interest. */
    default StreamTap stream(CallContext ctx) {
        return null;
    }

    interface StreamTap {
        void feed(byte[] bytes, int offset, int count);

        /** The stream ended cleanly and the call is concluded. */
        void done(CallContext concluded);
    }
}
