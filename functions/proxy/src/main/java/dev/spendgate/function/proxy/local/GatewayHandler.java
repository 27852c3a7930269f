package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Turns a Jetty request into a {@link GatewayRequest}, and the gateway's {@link ResponseSink} calls into Jetty writes.
 * A blocking handler: Jetty runs it on a worker thread (a virtual thread on Java 21+), where the gateway calls the
 * upstream and writes its answer on the same thread.
 */
final class GatewayHandler extends Handler.Abstract {
    /** Handles one request; must call {@code start} on the sink exactly once. */
    interface Calls {
        void handle(GatewayRequest request, ResponseSink sink) throws IOException;
    }

    private final Calls calls;
    private final long maxBodyBytes;
    private final long bodyTimeoutNanos;
    private final ConnectionGuard guard;

    GatewayHandler(Calls calls, long maxBodyBytes, long bodyTimeoutMillis, ConnectionGuard guard) {
        super(InvocationType.BLOCKING);
        this.calls = calls;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(bodyTimeoutMillis);
        this.guard = guard;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Connection connection = request.getConnectionMetaData().getConnection();
        guard.callStarted(connection);
        JettySink sink = new JettySink(response, callback);
        try {
            byte[] body;
            try {
                body = readBody(request);
            } catch (TimeoutException e) {
                // the rest of the body is not read: Jetty closes the HTTP/1.1 connection or resets the stream
                Response.writeError(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408);
                return true;
            }
            Headers headers = new Headers();
            for (HttpField field : request.getHeaders()) {
                headers.add(field.getName(), field.getValue());
            }
            calls.handle(
                    new GatewayRequest(request.getMethod(), request.getHttpURI().getPathQuery(), headers, body), sink);
            sink.finish();
        } catch (Throwable e) {
            sink.fail(e); // before the response started: an error status from Jetty's error handler
        } finally {
            guard.callEnded(connection);
        }
        return true;
    }

    /**
     * The whole request body, cut at {@code maxBodyBytes + 1} so the gateway can answer 413; a malformed body (bad
     * chunk framing, cut short) throws Jetty's failure, which answers 400 and closes.
     */
    private byte[] readBody(Request request) throws Throwable {
        long limit = maxBodyBytes + 1;
        long declared = request.getLength();
        byte[] body = new byte[(int) (declared >= 0 ? Math.min(declared, limit) : Math.min(limit, 8192))];
        int size = 0;
        long deadline = System.nanoTime() + bodyTimeoutNanos;
        while (size < limit) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                awaitContent(request, deadline);
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                throw chunk.getFailure();
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = (int) Math.min(bytes.remaining(), limit - size);
            if (size + n > body.length) {
                body = Arrays.copyOf(body, (int) Math.min(limit, Math.max(size + n, body.length * 2L)));
            }
            bytes.get(body, size, n);
            size += n;
            chunk.release();
            if (chunk.isLast()) {
                break;
            }
        }
        return size == body.length ? body : Arrays.copyOf(body, size);
    }

    private static void awaitContent(Request request, long deadline)
            throws TimeoutException, InterruptedException, IOException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        request.demand(() -> ready.complete(null));
        try {
            ready.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }
}
