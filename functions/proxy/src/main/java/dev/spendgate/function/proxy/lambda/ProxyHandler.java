package dev.spendgate.function.proxy.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.Router;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy behind an API Gateway REST API (proxy integration), buffered: the answer, streamed or not, goes back
 * whole. The usage log is flushed before each invocation returns, because a frozen Lambda keeps nothing in memory
 * safe; batches the store refuses go to the DynamoDB spool. Budget settlement stays on the client's path here: the
 * managed Java runtime sends the response only when this method returns, so nothing can run after it within the
 * invocation. The stack deploys {@link dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap}, which serves
 * streamed and non-streamed calls alike and settles after the response has ended.
 */
public final class ProxyHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    private final GatewayRuntime runtime;

    /** Builds the AWS wiring once per execution environment, from the function's environment variables. */
    public ProxyHandler() {
        this(AwsGatewayRuntime.fromEnv(System.getenv()));
    }

    ProxyHandler(GatewayRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        Headers headers = new Headers();
        if (event.getMultiValueHeaders() != null) {
            event.getMultiValueHeaders().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
        } else if (event.getHeaders() != null) {
            event.getHeaders().forEach(headers::add);
        }
        byte[] body = event.getBody() == null
                ? new byte[0]
                : Boolean.TRUE.equals(event.getIsBase64Encoded())
                        ? Base64.getDecoder().decode(event.getBody())
                        : event.getBody().getBytes(StandardCharsets.UTF_8);
        String method = event.getHttpMethod() == null ? "GET" : event.getHttpMethod();
        String path = event.getPath() == null ? "/" : event.getPath();
        BufferingSink sink = new BufferingSink();
        var requestContext = event.getRequestContext();
        boolean signed = requestContext != null
                && requestContext.getIdentity() != null
                && requestContext.getIdentity().getUserArn() != null;
        Router.Caller caller = signed ? Router.Caller.IAM_SIGNED : Router.Caller.UNSIGNED;
        try {
            Router.Target target = runtime.router()
                    .handle(
                            new GatewayRequest(
                                    method,
                                    EventQuery.withQuery(
                                            path,
                                            event.getMultiValueQueryStringParameters(),
                                            event.getQueryStringParameters()),
                                    headers,
                                    body),
                            caller,
                            sink);
            if (target != Router.Target.ADMIN) {
                runtime.afterInvocation(
                        context == null
                                ? null
                                : java.time.Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis())));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return sink.toEvent();
    }

    /** Collects the response for API Gateway's proxy integration format. */
    static final class BufferingSink implements ResponseSink {
        private int status = 500;
        private final Map<String, List<String>> headers = new HashMap<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public void start(int status, Headers responseHeaders, long contentLength) {
            this.status = status;
            responseHeaders.forEach((name, value) ->
                    headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value));
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            body.write(bytes, offset, length);
        }

        @Override
        public void flush() {}

        @Override
        public void end() {}

        /**
         * The upstream broke off: API Gateway's buffered integration cannot cut a response short, so the client gets
         * a 502 error instead of the partial body, still naming the call ({@code X-Spendgate-Request-Id}, the record's
         * {@code request_id}).
         */
        @Override
        public void abort() {
            status = 502;
            List<String> requestId = null;
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(Gateway.REQUEST_ID_HEADER)) {
                    requestId = e.getValue();
                }
            }
            headers.clear();
            if (requestId != null) {
                headers.put(Gateway.REQUEST_ID_HEADER, requestId);
            }
            headers.put("Content-Type", List.of("application/json"));
            body.reset();
            body.writeBytes(("{\"error\":{\"message\":\"The provider broke off its answer; Spendgate recorded the"
                            + " call as upstream_truncated.\",\"type\":\"api_error\",\"code\":\"upstream_truncated\"}}")
                    .getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Text answers (JSON, SSE) go back as they are; anything else (Bedrock's binary event stream, compressed
         * bodies) is base64-encoded so API Gateway restores the exact bytes (the API lists those media types as binary).
         */
        APIGatewayProxyResponseEvent toEvent() {
            boolean binary = !isText(header("Content-Type")) || header("Content-Encoding") != null;
            return new APIGatewayProxyResponseEvent()
                    .withStatusCode(status)
                    .withMultiValueHeaders(headers)
                    .withBody(
                            binary
                                    ? Base64.getEncoder().encodeToString(body.toByteArray())
                                    : body.toString(StandardCharsets.UTF_8))
                    .withIsBase64Encoded(binary);
        }

        private String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        private static boolean isText(String contentType) {
            if (contentType == null) {
                return true;
            }
            String type = contentType.toLowerCase(java.util.Locale.ROOT);
            return type.startsWith("text/") || type.contains("json") || type.contains("xml");
        }
    }
}
