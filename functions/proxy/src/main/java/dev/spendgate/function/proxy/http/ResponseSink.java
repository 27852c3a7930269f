package dev.spendgate.function.proxy.http;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where the gateway writes its response. {@link #start} is called once, then any number of {@link #write} and
 * {@link #flush} calls, then {@link #end}. An {@link IOException} from write or flush means the client is gone.
 */
public interface ResponseSink {

    /**
     * Sends status and headers. {@code contentLength} is the exact body length, or -1 when the body is streamed; a
     * stream's status and headers may wait for the first {@link #flush}, so they can leave with its first events.
     */
    void start(int status, Headers headers, long contentLength) throws IOException;

    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Pushes what was written so far to the client (one SSE event at a time reaches it without delay). */
    void flush() throws IOException;

    /** Completes the response. */
    void end() throws IOException;

    /**
     * Ends the response as failed instead of complete (the upstream broke off mid-stream), so the client's SDK raises
     * an error rather than returning a silently short answer: on HTTP/1.1 no terminating chunk and the connection is
     * closed; on HTTP/2 the stream is reset. Never throws.
     */
    void abort();

    /**
     * Offers {@code task} (settling the call's budgets and appending its usage record) to run after the response has
     * ended. A carrier whose store is remote (the Lambda bootstrap: DynamoDB round trips) takes it and runs it once
     * the client has its last byte, before it asks for the next event; it returns {@code true}. The default refuses
     * ({@code false}): the caller runs the task at once, before the answer leaves, as an in-process store settles in
     * microseconds and its journal makes the record durable before the client sees the answer.
     */
    default boolean runAfterEnd(Runnable task) {
        return false;
    }

    /**
     * Tells the carrier which upstream stream the relay is reading ({@code null} once it has stopped reading it). A
     * carrier that must stop early (the Lambda bootstrap, shortly before its invocation's deadline) may close it from
     * another thread; the relay then ends the call as cut ({@link #relayCut}). The default ignores it.
     */
    default void relaying(Closeable upstream) {}

    /**
     * Tells the carrier which upstream body the relay is reading whole before it answers (a non-streamed answer; {@code
     * null} once read). A carrier that must stop by a deadline (the Lambda bootstrap) may close it from another thread,
     * as it does a stream ({@link #relaying}); the relay then answers an error and records the call as cut ({@link
     * #relayCut}). The default ignores it.
     */
    default void readingWhole(Closeable upstream) {}

    /** True when the carrier cut the relay short ({@link #relaying}); the call is then concluded as cut. */
    default boolean relayCut() {
        return false;
    }

    /**
     * The record's {@code error_type} for a relay the carrier cut ({@link #relayCut}): by default {@code
     * invocation_deadline}, the streaming Lambda stopping a stream before its invocation's deadline.
     */
    default String relayCutAs() {
        return "invocation_deadline";
    }

    /**
     * True when the carrier learned that the client left while the relay was waiting for the provider (an HTTP/2 reset,
     * an HTTP/1.1 connection reset): it closed the upstream stream ({@link #relaying}) so the provider stops generating
     * an answer nobody reads, and the call is concluded as {@code client_disconnected}. The default never learns it.
     */
    default boolean clientLeft() {
        return false;
    }

    default void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }
}
