package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's response written to a Jetty {@link Response}. Writes are gathered until {@link #flush} or {@link
 * #end}, so a whole answer leaves in one write with its headers, and a stream's status and headers leave with its
 * first flush (with the first events when they are already there); {@link #end} completes Jetty's callback, and {@link
 * #abort} fails it, which Jetty turns into a connection closed without the last chunk (HTTP/1.1) or a reset stream
 * (HTTP/2).
 *
 * <p>While a stream is relayed ({@link #relaying}), a client that leaves is noticed without waiting for the provider's
 * next event: Jetty's failure listener ({@link #clientLeft(Throwable)}: an HTTP/2 reset, a failed connection) and, on a
 * cleartext HTTP/1.1 connection, a watch for its reset or close ({@link PlainSocketEndPoint#watchForClose}) close the upstream
 * stream, so the provider stops generating (and billing) an answer nobody reads. A server stopping past its grace period
 * closes it too ({@link #cut}, through {@link CallsInFlight}), and the relay concludes the call as cut ({@code
 * server_stopped}).
 */
final class JettySink implements ResponseSink {
    /** Connection-level headers: Jetty frames the response itself, and HTTP/2 forbids them. */
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "content-length",
            "te",
            "trailer",
            "upgrade");

    private static final int FLUSH_AT = 64 * 1024;
    private static final int STREAM_BUFFER = 16 * 1024;
    private static final byte[] NONE = new byte[0];

    private final Response response;
    private final Callback callback;
    /** The cleartext HTTP/1.1 connection to watch for a reset while relaying; null for HTTP/2 and TLS. */
    private final PlainSocketEndPoint watched;
    /** Where a relayed stream registers, so a stopping server can cut it; null when nothing stops it. */
    private final CallsInFlight calls;
    /** The upstream stream being relayed; null when none. Guarded by this. */
    private Closeable upstream;
    /** Guarded by this. */
    private boolean clientLeft;
    /** The server stopping cut the relay. Guarded by this. */
    private boolean cut;

    private byte[] buffer = NONE;
    private int size;
    private boolean started;
    private boolean committed;
    private boolean done;
    private CallStages.Stamps stamps; // benchmarks only
    private String call;

    JettySink(Response response, Callback callback) {
        this(response, callback, null, null);
    }

    JettySink(Response response, Callback callback, PlainSocketEndPoint watched, CallsInFlight calls) {
        this.response = response;
        this.callback = callback;
        this.watched = watched;
        this.calls = calls;
    }

    @Override
    public void relaying(Closeable stream) {
        boolean stopping = false;
        if (calls != null) {
            if (stream != null) {
                stopping = calls.relayStarted(this);
            } else {
                calls.relayEnded(this);
            }
        }
        synchronized (this) {
            upstream = stream;
            // read again under the lock: a stop that began after relayStarted found no stream here to cut, and its
            // flag is set before it cuts, so either cut() sees this stream or this sees the flag
            stopping |= stream != null && calls != null && calls.stopping();
            if (stream != null && (clientLeft || stopping)) {
                cut |= stopping && !clientLeft;
                closeUpstream();
                return;
            }
        }
        if (watched != null) {
            if (stream != null) {
                watched.watchForClose(this::clientLeft);
            } else {
                watched.stopWatching(); // before the response ends: Jetty reads the connection for the next request
            }
        }
    }

    /** The client is gone (Jetty's failure listener, or the connection's reset): the upstream stream is closed. */
    void clientLeft(Throwable why) {
        synchronized (this) {
            clientLeft = true;
            if (upstream != null) {
                closeUpstream();
            }
        }
    }

    @Override
    public synchronized boolean clientLeft() {
        return clientLeft;
    }

    /** The server is stopping: the upstream stream is closed, and the relay concludes the call as cut. */
    synchronized void cut() {
        if (upstream != null && !clientLeft) {
            cut = true;
            closeUpstream();
        }
    }

    @Override
    public synchronized boolean relayCut() {
        return cut;
    }

    @Override
    public String relayCutAs() {
        return "server_stopped";
    }

    private void closeUpstream() {
        try {
            upstream.close(); // the relay's blocked read fails at once
        } catch (IOException | RuntimeException e) {
            // the relay's read fails either way
        }
        upstream = null;
    }

    @Override
    public void start(int status, Headers headers, long contentLength) throws IOException {
        if (started) {
            throw new IllegalStateException("response already started");
        }
        started = true;
        response.setStatus(status);
        HttpFields.Mutable fields = response.getHeaders();
        headers.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                fields.add(name, value);
            }
        });
        if (contentLength >= 0) {
            fields.add(HttpHeader.CONTENT_LENGTH, contentLength);
            buffer = new byte[(int) Math.min(contentLength, FLUSH_AT)];
        } else {
            buffer = new byte[STREAM_BUFFER]; // a stream: status and headers leave with the first flush
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (!started) {
            throw new IllegalStateException("write before start");
        }
        if (size + length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(size + length, Math.min(buffer.length * 2, FLUSH_AT)));
        }
        System.arraycopy(bytes, offset, buffer, size, length);
        size += length;
        if (size >= FLUSH_AT) {
            send();
        }
    }

    @Override
    public void flush() throws IOException {
        if (size > 0 || (started && !committed)) {
            send();
        }
    }

    @Override
    public void end() {
        if (done) {
            return;
        }
        done = true;
        Callback written = callback;
        if (stamps != null) {
            written = stampWritten();
        }
        response.write(true, size == 0 ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(buffer, 0, size), written);
    }

    /**
     * Benchmarks only: stamps this call ({@code call}, its {@link CallStages#CALL_HEADER} value; nothing when null)
     * from here on: {@link CallStages.Stage#CALL} now, {@link CallStages.Stage#END} and {@link
     * CallStages.Stage#WRITTEN} around the answer's last write.
     */
    void stampAs(CallStages.Stamps stamps, String call) {
        if (call != null) {
            this.stamps = stamps;
            this.call = call;
            stamps.stamp(call, CallStages.Stage.CALL, System.nanoTime());
        }
    }

    private Callback stampWritten() {
        stamps.stamp(call, CallStages.Stage.END, System.nanoTime());
        return Callback.from(
                () -> {
                    stamps.stamp(call, CallStages.Stage.WRITTEN, System.nanoTime());
                    callback.succeeded();
                },
                callback::failed);
    }

    @Override
    public void abort() {
        fail(new IOException("upstream failed mid-stream"));
    }

    /** After the gateway returned: a response never started is a 500, one never ended is ended. */
    void finish() {
        if (done) {
            return;
        }
        if (!started) {
            byte[] body = ErrorBodies.openAi("api_error", "No response.", null, null);
            response.setStatus(500);
            response.getHeaders().add(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().add(HttpHeader.CONTENT_LENGTH, body.length);
            started = true;
            buffer = body;
            size = body.length;
        }
        end();
    }

    /** Fails the exchange: an error response when nothing was sent yet, else an aborted one. */
    void fail(Throwable failure) {
        if (!done) {
            done = true;
            callback.failed(failure);
        }
    }

    private void send() throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(false, size == 0 ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(buffer, 0, size), written);
            written.block();
        }
        committed = true;
        size = 0;
        if (buffer.length > FLUSH_AT) {
            buffer = NONE; // grown for one large write: an answer's last write holds no more than it carries
        }
    }
}
