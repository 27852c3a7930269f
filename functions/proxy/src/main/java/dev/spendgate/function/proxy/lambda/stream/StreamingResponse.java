package dev.spendgate.function.proxy.lambda.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.Http1Codec;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's response streamed to the Runtime API in API Gateway's HTTP-integration format: a JSON prelude
 * ({@code statusCode}, {@code headers}), eight NUL bytes, then the body as it is written, each piece one HTTP chunk.
 * {@link #flush} pushes what was written to Lambda at once, so an SSE event leaves before the next one exists.
 */
public final class StreamingResponse implements ResponseSink {
    /** Separates the prelude from the body. */
    static final byte[] DELIMITER = new byte[8];

    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> HOP_BY_HOP =
            Set.of("connection", "keep-alive", "transfer-encoding", "content-length", "trailer", "upgrade");

    /** Opens the {@code /response} POST: its head is sent when the prelude is, not before. */
    interface Opener {
        Socket open() throws IOException;
    }

    private final Opener opener;
    private Socket socket;
    private OutputStream out;
    private boolean started;
    private boolean ended;
    private int runtimeStatus;
    private final List<Runnable> afterEnd = new ArrayList<>(1);
    private Closeable upstream; // guarded by this
    private boolean stopRequested; // guarded by this
    private boolean relayCut; // guarded by this

    StreamingResponse(Opener opener) {
        this.opener = opener;
    }

    /** Sends the {@code /response} POST's head, once: from here the invocation can no longer be reported failed. */
    private synchronized void open() throws IOException {
        if (socket != null) {
            return;
        }
        Socket opened = opener.open();
        try {
            out = new BufferedOutputStream(opened.getOutputStream(), 16 * 1024);
        } catch (IOException e) {
            opened.close();
            throw e;
        }
        socket = opened;
    }

    @Override
    public void start(int status, Headers headers, long contentLength) throws IOException {
        if (started) {
            throw new IllegalStateException("response already started");
        }
        open(); // a failure here leaves the response not started: the invocation can still be reported failed
        started = true;
        ByteArrayOutputStream prelude = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(prelude)) {
            g.writeStartObject();
            g.writeNumberField("statusCode", status);
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : joined(headers).entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        prelude.write(DELIMITER);
        chunk(prelude.toByteArray(), 0, prelude.size()); // a stream's leaves with its first flush
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (!started) {
            throw new IllegalStateException("write before start");
        }
        if (length > 0) {
            chunk(bytes, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /** Ends the chunked body and waits for the Runtime API's acknowledgement. */
    @Override
    public void end() throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        open(); // a response ended without a prelude is an empty one
        try {
            Http1Codec.writeLastChunk(out);
            out.flush();
            runtimeStatus =
                    RuntimeApiClient.Response.read(socket.getInputStream()).status();
        } finally {
            socket.close();
        }
        if (runtimeStatus / 100 != 2) {
            throw new IOException("Runtime API refused the streamed response: HTTP " + runtimeStatus);
        }
    }

    /**
     * Takes the call's settlement and record (remote DynamoDB writes): the bootstrap runs them with {@link
     * #runDeferred} once the response has ended, before it asks for the next event.
     */
    @Override
    public boolean runAfterEnd(Runnable task) {
        afterEnd.add(task);
        return true;
    }

    /** Runs what was taken by {@link #runAfterEnd}, in order; one failing task does not stop the others. */
    void runDeferred() {
        for (Runnable task : afterEnd) {
            try {
                task.run();
            } catch (RuntimeException e) {
                Log.error(null, "settling a call after its response failed", e);
            }
        }
        afterEnd.clear();
    }

    @Override
    public synchronized void relaying(Closeable stream) {
        upstream = stream;
        if (stream != null && stopRequested) {
            cutRelay();
        }
    }

    /** A non-streamed answer's body is cut at the deadline like a stream: its call is recorded while there is time. */
    @Override
    public void readingWhole(Closeable stream) {
        relaying(stream);
    }

    @Override
    public synchronized boolean relayCut() {
        return relayCut;
    }

    /**
     * Stops the relay (the invocation's deadline is near): closes the upstream stream it is reading, or the one it
     * starts reading later, so the relay concludes the call as cut and records it. Nothing once the relay is done.
     */
    synchronized void stopRelay() {
        stopRequested = true;
        if (upstream != null) {
            cutRelay();
        }
    }

    private void cutRelay() {
        relayCut = true;
        try {
            upstream.close();
        } catch (IOException | RuntimeException e) {
            // the relay's read fails either way
        }
        upstream = null;
    }

    boolean started() {
        return started;
    }

    boolean ended() {
        return ended;
    }

    /**
     * Closes the connection without completing the response (the invocation is then reported as failed); before the
     * prelude nothing was sent, and the invocation may still be reported failed ({@link RuntimeApiClient#error}).
     */
    @Override
    public void abort() {
        ended = true;
        Socket opened;
        synchronized (this) {
            opened = socket;
        }
        if (opened == null) {
            return;
        }
        try {
            opened.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private void chunk(byte[] bytes, int offset, int length) throws IOException {
        Http1Codec.writeChunk(out, bytes, offset, length);
    }

    /** One value per header name (API Gateway's {@code headers}); repeated headers joined with commas. */
    private static Map<String, String> joined(Headers headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                out.merge(name, value, (a, b) -> a + "," + b);
            }
        });
        return out;
    }
}
