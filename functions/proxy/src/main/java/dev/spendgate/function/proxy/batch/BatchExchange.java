package dev.spendgate.function.proxy.batch;

import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import java.io.IOException;
import java.util.Map;

/** One request on its way: where it goes, and how its answers and errors are written. */
final class BatchExchange {
    final GatewayRequest request;
    final BatchRoute route;
    final ResponseSink sink;
    final String requestId;
    /** The call's share of the body memory pool: its parsed body and the provider's answer are held on it. */
    final BodyMemory.Lease lease;

    BatchExchange(
            GatewayRequest request, BatchRoute route, ResponseSink sink, String requestId, BodyMemory.Lease lease) {
        this.request = request;
        this.route = route;
        this.sink = sink;
        this.requestId = requestId;
        this.lease = lease;
    }

    /** This gateway as its caller reached it ({@code Host}, {@code X-Forwarded-Proto}). */
    String origin() {
        String proto = request.headers().first("x-forwarded-proto");
        String host = request.headers().first("host");
        return (proto == null ? "http" : proto) + "://" + (host == null ? "localhost" : host);
    }

    void relay(BatchUpstream.Answer answer) {
        Headers headers = new Headers();
        answer.headers().forEach(headers::add);
        headers.set(BatchApi.REQUEST_ID_HEADER, requestId);
        write(answer.status(), headers, answer.body());
    }

    void error(int status, String type, String message, String param) {
        byte[] body = route.format() == ApiFormat.ANTHROPIC
                ? ErrorBodies.anthropic(type, message, param)
                : ErrorBodies.openAi(type, message, param, null, Map.of());
        Headers headers =
                new Headers().set("Content-Type", "application/json").set(BatchApi.REQUEST_ID_HEADER, requestId);
        write(status, headers, body);
    }

    private void write(int status, Headers headers, byte[] body) {
        try {
            sink.start(status, headers, body.length);
            sink.write(body);
            sink.end();
        } catch (IOException | IllegalStateException e) {
            // the client left, or the answer had started
        }
    }
}
