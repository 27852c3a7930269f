package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Turns a Jetty request into a {@link GatewayRequest}, and the gateway's {@link ResponseSink} calls into Jetty writes.
 *
 * <p>The body is read without holding a thread while it is awaited: what has arrived is taken at once (usually the
 * whole body, which came with the head), and for the rest the handler asks Jetty to call back when more arrives, so
 * a client trickling its body ties up no thread. A body not complete within {@code bodyTimeoutMillis} of the head
 * gets 408. The gateway then runs on a virtual thread, where it calls the upstream and writes its answer.
 *
 * <p>A body's buffer grows as its bytes arrive, not as its {@code Content-Length} claims, and what a buffer holds
 * beyond 64 KB is taken from {@link BodyMemory}: when the pool is spent (many clients sending or declaring large
 * bodies), the request gets 503 with {@code Retry-After: 1} and its connection is closed, and nothing else waits.
 */
final class GatewayHandler extends Handler.Abstract {
    private static final byte[] NO_BYTES = new byte[0];

    /**
     * The idle timeout while a call runs: ignored, as the provider's silence is bounded by the upstream timeout. Jetty
     * asks this only when no write is pending: a client that stops reading still has its write failed by the timeout.
     */
    private static final Predicate<TimeoutException> BUSY = timeout -> false;

    /** Handles one request; must call {@code start} on the sink exactly once. */
    interface Calls {
        void handle(GatewayRequest request, ResponseSink sink) throws IOException;
    }

    private final Calls calls;
    private final long maxBodyBytes;
    private final BodyMemory memory;
    private final long bodyTimeoutMillis;
    private final int maxHeaderBytes;
    private final ConnectionGuard guard;
    private final CallsInFlight inFlight;

    GatewayHandler(
            Calls calls,
            long maxBodyBytes,
            BodyMemory memory,
            long bodyTimeoutMillis,
            int maxHeaderBytes,
            ConnectionGuard guard,
            CallsInFlight inFlight) {
        super(InvocationType.BLOCKING);
        this.calls = calls;
        this.maxBodyBytes = maxBodyBytes;
        this.memory = memory;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
        this.maxHeaderBytes = maxHeaderBytes;
        this.guard = guard;
        this.inFlight = inFlight;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        boolean h2 = request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_2;
        if (h2 && HeadSize.asHttp11(request) > maxHeaderBytes) {
            // HTTP/1.1 heads are measured (431) by Jetty's parser; HTTP/2 ones are decoded with room to spare
            Response.writeError(request, response, callback, HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431);
            return true;
        }
        ConnectionGuard.Tracked connection =
                guard.callStarted(request.getConnectionMetaData().getConnection());
        ConnectionGuard.H2Admission admission =
                h2 ? guard.h2CallAdmitted(connection) : ConnectionGuard.H2Admission.ADMITTED;
        if (admission != ConnectionGuard.H2Admission.ADMITTED) {
            guard.callEnded(connection, false);
            refuseBusy(admission, response, callback);
            return true;
        }
        CallStages.Stamps stamps = CallStages.stamps();
        if (stamps != null) {
            stampArrival(stamps, request);
        }
        new Exchange(request, response, callback, connection, h2).read(true);
        return true;
    }

    /**
     * 429: this client address already has as many HTTP/2 calls in flight as it may; 503: all HTTP/2 connections
     * together have. Nothing is read or held, and the client may retry in a second.
     */
    private void refuseBusy(ConnectionGuard.H2Admission admission, Response response, Callback callback) {
        boolean client = admission == ConnectionGuard.H2Admission.CLIENT_FULL;
        byte[] json = client
                ? ErrorBodies.openAi(
                        "rate_limit_error",
                        "At most " + guard.maxH2CallsPerClient() + " calls in flight from one client address over"
                                + " HTTP/2 (SPENDGATE_MAX_CONNECTIONS_PER_CLIENT); retry in a second.",
                        null,
                        "client_calls_in_flight")
                : ErrorBodies.openAi(
                        "api_error",
                        "At most " + guard.maxH2Calls() + " calls in flight over HTTP/2 from all clients together"
                                + " (SPENDGATE_MAX_CONNECTIONS); retry in a second.",
                        null,
                        "server_calls_in_flight");
        response.setStatus(client ? HttpStatus.TOO_MANY_REQUESTS_429 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, String.valueOf(json.length));
        response.write(true, ByteBuffer.wrap(json), callback);
    }

    /** Benchmarks only: when Jetty began the request, parsed its head and entered this handler. */
    private static void stampArrival(CallStages.Stamps stamps, Request request) {
        String call = request.getHeaders().get(CallStages.CALL_HEADER);
        if (call != null) {
            long now = System.nanoTime();
            stamps.stamp(call, CallStages.Stage.BEGIN, request.getBeginNanoTime());
            stamps.stamp(call, CallStages.Stage.HEADERS, request.getHeadersNanoTime());
            stamps.stamp(call, CallStages.Stage.HANDLER, now);
        }
    }

    /** One request: its body as it arrives, then the gateway call. */
    private final class Exchange implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final ConnectionGuard.Tracked connection;
        private final boolean h2;
        private final AtomicBoolean settled = new AtomicBoolean();
        private final long limit = maxBodyBytes + 1; // one byte more lets the gateway answer 413
        private final long declared;
        private final BodyMemory.Lease lease = memory.lease();
        /** Empty until the first bytes arrive: a head declaring a large body holds nothing for it. */
        private byte[] body = NO_BYTES;

        private int size;
        private volatile Scheduler.Task deadline;

        Exchange(
                Request request, Response response, Callback callback, ConnectionGuard.Tracked connection, boolean h2) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.connection = connection;
            this.h2 = h2;
            this.declared = request.getLength();
        }

        /** Jetty's callback: more of the body has arrived (on a thread that may not block). */
        @Override
        public void run() {
            read(false);
        }

        /**
         * Takes what has arrived; on the handler's own thread the gateway then runs right here, otherwise it is handed
         * to a worker.
         */
        void read(boolean onHandlerThread) {
            try {
                while (size < limit) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        if (deadline == null) {
                            deadline = request.getComponents()
                                    .getScheduler()
                                    .schedule(this::expire, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
                        }
                        request.demand(this);
                        return; // no thread waits for the rest
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        if (idleTimeout(chunk.getFailure())) {
                            chunk.release();
                            expire(); // the client paused its body: its lateness, 408 as at the body deadline
                            return;
                        }
                        throw chunk.getFailure(); // bad chunk framing, body cut short: 400 and close
                    }
                    ByteBuffer bytes = chunk.getByteBuffer();
                    int n = (int) Math.min(bytes.remaining(), limit - size);
                    if (size + n > body.length && !grow(size + n)) {
                        chunk.release();
                        if (settle()) {
                            refuseForMemory(size + n);
                        }
                        return;
                    }
                    bytes.get(body, size, n);
                    size += n;
                    chunk.release();
                    if (chunk.isLast()) {
                        break;
                    }
                }
            } catch (Throwable e) {
                if (settle()) {
                    callback.failed(e);
                    ended();
                }
                return;
            }
            if (!settle()) {
                return; // the body deadline answered already
            }
            if (onHandlerThread) {
                call();
            } else {
                Executor workers = request.getComponents().getExecutor();
                workers.execute(this::call);
            }
        }

        /**
         * A buffer for at least {@code needed} bytes (twice the buffer, at most the declared length; the first one just
         * what has arrived, so a body that came with its head is copied once), or false when the pool cannot give what
         * it holds beyond 64 KB: a body takes what it has sent, not what it declares.
         */
        private boolean grow(int needed) {
            long target = Math.min(cap(), Math.max(needed, body.length * 2L));
            long counted = Math.max(0, body.length - BodyMemory.SMALL_BODY_BYTES);
            long more = Math.max(0, target - BodyMemory.SMALL_BODY_BYTES) - counted;
            if (more > 0 && !lease.take(more)) {
                return false;
            }
            body = Arrays.copyOf(body, (int) target);
            return true;
        }

        /** The most this body's buffer may need: its declared length, else the size limit. */
        private long cap() {
            return declared >= 0 ? Math.min(declared, limit) : limit;
        }

        /**
         * The pool cannot give what the body needs: 413 when the body (as declared, or as far as it has come) is more
         * than the whole pool, else 503 to retry; the unread rest makes Jetty close the connection.
         */
        private void refuseForMemory(long arrived) {
            long needs = Math.max(arrived, declared >= 0 ? cap() : arrived) - BodyMemory.SMALL_BODY_BYTES;
            boolean never = needs > memory.capacity();
            byte[] json = never
                    ? ErrorBodies.openAi(
                            "invalid_request_error",
                            "The request body is larger than the " + memory.capacity() / (1024 * 1024)
                                    + " MB Spendgate keeps for request bodies (SPENDGATE_BODY_MEMORY_BYTES).",
                            "body",
                            null)
                    : ErrorBodies.openAi(
                            "api_error",
                            "Spendgate is holding as many large request bodies as its memory allows; retry in a"
                                    + " second.",
                            "body",
                            null);
            body = null;
            lease.close();
            response.setStatus(never ? HttpStatus.PAYLOAD_TOO_LARGE_413 : HttpStatus.SERVICE_UNAVAILABLE_503);
            if (!never) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, String.valueOf(json.length));
            response.write(true, ByteBuffer.wrap(json), callback);
            ended();
        }

        /**
         * Whether the body's wait ended in the connection's (or HTTP/2 stream's) idle timeout: the client sent nothing
         * for {@code SPENDGATE_IDLE_TIMEOUT_MS}, before the body deadline. That is the client's lateness as much as the
         * deadline is, so it gets the same 408, not the 500 a failed handler would.
         */
        private static boolean idleTimeout(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof TimeoutException) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The body deadline passed, or the client paused its body past the idle timeout: 408, and the unread rest makes
         * Jetty close the connection.
         */
        private void expire() {
            if (settle()) {
                Response.writeError(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408);
                ended();
            }
        }

        private void ended() {
            lease.close();
            guard.callEnded(connection, h2);
        }

        /** This request's cleartext socket, watched for the client leaving while a stream is relayed; null over TLS. */
        private PlainSocketEndPoint plainSocket() {
            return request.getConnectionMetaData().getConnection().getEndPoint() instanceof PlainSocketEndPoint plain
                    ? plain
                    : null;
        }

        /** Whether this thread is the one that finishes the reading (body complete, failed or timed out). */
        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            if (deadline != null) {
                deadline.cancel();
            }
            return true;
        }

        /**
         * Runs the gateway. Over HTTP/2 the call keeps its place in the client's calls in flight until its answer's last
         * write completes or fails ({@link Written}): an answer a client leaves unread (its flow-control window never
         * opened) is still held by the server, until the stream's idle timeout. Over HTTP/1.1 the connection holds it.
         */
        private void call() {
            JettySink sink =
                    new JettySink(response, h2 ? new Written() : callback, h2 ? null : plainSocket(), inFlight);
            request.addFailureListener(sink::clientLeft); // an HTTP/2 reset, a failed connection: stop the upstream
            request.addIdleTimeoutListener(BUSY); // the provider's pauses are the upstream timeout's to judge
            inFlight.started();
            try {
                Headers headers = new Headers();
                for (HttpField field : request.getHeaders()) {
                    headers.add(field.getName(), field.getValue());
                }
                String authority = request.getHttpURI().getAuthority();
                if (headers.first("host") == null && authority != null && !authority.isEmpty()) {
                    // HTTP/2 names the host in :authority, never in a Host field (RFC 9113 8.3.1): the console's
                    // same-origin check, the admin API's allowed hosts and the batch file URLs read it as Host
                    headers.add("Host", authority);
                }
                CallStages.Stamps stamps = CallStages.stamps();
                if (stamps != null) {
                    sink.stampAs(stamps, headers.first(CallStages.CALL_HEADER));
                }
                calls.handle(
                        new GatewayRequest(
                                request.getMethod(),
                                request.getHttpURI().getPathQuery(),
                                headers,
                                size == body.length ? body : Arrays.copyOf(body, size),
                                Request.getRemoteAddr(request),
                                request.isSecure()),
                        sink);
                sink.finish();
            } catch (Throwable e) {
                sink.fail(e); // before the response started: an error status from Jetty's error handler
            } finally {
                body = null;
                lease.close();
                inFlight.ended(); // the call's record is written
                if (!h2) {
                    guard.callEnded(connection, false);
                }
            }
        }

        /** Jetty's callback for an HTTP/2 answer: its last write completed or failed, and only then the call ends. */
        private final class Written implements Callback {
            @Override
            public void succeeded() {
                guard.callEnded(connection, true);
                callback.succeeded();
            }

            @Override
            public void failed(Throwable failure) {
                guard.callEnded(connection, true);
                callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        }
    }
}
