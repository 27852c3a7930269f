package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A client that keeps what it was sent, and the order of events (start, end, abort) among other events. */
public final class RecordingSink implements ResponseSink {
    public final List<String> events;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    public int status;
    public Headers headers;

    RecordingSink(List<String> events) {
        this.events = events;
    }

    public RecordingSink() {
        this(new ArrayList<>());
    }

    @Override
    public void start(int status, Headers headers, long contentLength) {
        this.status = status;
        this.headers = headers;
        events.add("start");
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        body.write(bytes, offset, length);
    }

    @Override
    public void flush() {}

    @Override
    public void end() {
        events.add("end");
    }

    @Override
    public void abort() {
        events.add("abort");
    }

    public String text() {
        return body.toString(StandardCharsets.UTF_8);
    }
}
