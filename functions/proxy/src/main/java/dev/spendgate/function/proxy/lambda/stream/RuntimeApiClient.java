package dev.spendgate.function.proxy.lambda.stream;

import dev.spendgate.function.proxy.http.ConnectionInput;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.Http1Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A minimal HTTP/1.1 client for the Lambda Runtime API ({@code AWS_LAMBDA_RUNTIME_API}, always plain HTTP on the
 * sandbox's loopback). Raw sockets rather than {@code java.net.http}: the streamed response needs chunked encoding
 * under our control, and the JDK client costs tens of milliseconds of cold start. Answers are read with the same
 * {@link Http1Codec} as the upstream client's.
 */
public final class RuntimeApiClient {
    static final String BASE = "/2018-06-01/runtime";
    static final String STREAMING_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
    private static final String PEER = "the Runtime API";

    private final String host;
    private final int port;

    /** {@code hostAndPort} as Lambda passes it, e.g. {@code 127.0.0.1:9001}. */
    public RuntimeApiClient(String hostAndPort) {
        Objects.requireNonNull(hostAndPort, "AWS_LAMBDA_RUNTIME_API");
        int colon = hostAndPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("AWS_LAMBDA_RUNTIME_API must be host:port, got '" + hostAndPort + "'");
        }
        this.host = hostAndPort.substring(0, colon);
        this.port = Integer.parseInt(hostAndPort.substring(colon + 1));
    }

    /** The next event; blocks (long poll) until Lambda has one. */
    public Invocation next() throws IOException {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + BASE + "/invocation/next HTTP/1.1\r\nHost: " + host + ":" + port
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Response response = Response.read(socket.getInputStream());
            if (response.status() != 200) {
                throw new IOException("Runtime API next invocation answered HTTP " + response.status());
            }
            String requestId = response.headers().first("lambda-runtime-aws-request-id");
            if (requestId == null) {
                throw new IOException("Runtime API next invocation has no Lambda-Runtime-Aws-Request-Id");
            }
            String deadline = response.headers().first("lambda-runtime-deadline-ms");
            return new Invocation(
                    requestId,
                    deadline == null ? 0 : Long.parseLong(deadline),
                    response.headers().first("lambda-runtime-trace-id"),
                    response.body());
        }
    }

    /**
     * The streamed response of one invocation; the caller writes the prelude and body, then ends it. Nothing reaches the
     * Runtime API before the prelude: until then the invocation may still be reported failed with {@link #error}, which
     * Lambda takes only "before the runtime begins sending an invocation response" (Lambda developer guide, "Implementing
     * response streaming in a custom runtime").
     */
    public StreamingResponse respond(String requestId) {
        return new StreamingResponse(() -> openResponse(requestId));
    }

    /** Sends the head of the invocation's streamed {@code /response} POST; its body follows, chunked. */
    private Socket openResponse(String requestId) throws IOException {
        Socket socket = open();
        try {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + BASE + "/invocation/" + requestId + "/response HTTP/1.1\r\n"
                            + "Host: " + host + ":" + port + "\r\n"
                            + "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
                            + "Transfer-Encoding: chunked\r\n"
                            + "Content-Type: " + STREAMING_CONTENT_TYPE + "\r\n"
                            + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Reports that the invocation failed before any response was sent. */
    public void error(String requestId, String errorType, String message) throws IOException {
        post(BASE + "/invocation/" + requestId + "/error", errorType, message);
    }

    /** Reports that the function could not start; Lambda then ends the environment. */
    public void initError(String errorType, String message) throws IOException {
        post(BASE + "/init/error", errorType, message);
    }

    /**
     * Answers an invocation that is not an API call (a scheduled task) with one buffered JSON document: what {@code
     * aws lambda invoke} prints, and what an asynchronous invocation discards.
     */
    public void complete(String requestId, byte[] json) throws IOException {
        post(BASE + "/invocation/" + requestId + "/response", "", json, "response");
    }

    private void post(String path, String errorType, String message) throws IOException {
        byte[] body = ("{\"errorMessage\":\"" + jsonEscape(message) + "\",\"errorType\":\"" + jsonEscape(errorType)
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        post(path, "Lambda-Runtime-Function-Error-Type: " + errorType + "\r\n", body, "error report");
    }

    private void post(String path, String extraHeaders, byte[] body, String what) throws IOException {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                            + extraHeaders
                            + "Content-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Response response = Response.read(socket.getInputStream());
            if (response.status() / 100 != 2) {
                throw new IOException("Runtime API " + what + " answered HTTP " + response.status());
            }
        }
    }

    private Socket open() throws IOException {
        Socket socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        return socket;
    }

    static String jsonEscape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** One event from {@code /invocation/next}. */
    public record Invocation(String requestId, long deadlineMillis, String traceId, byte[] event) {}

    /** A Runtime API answer read whole: status, headers, body (framed by {@link Http1Codec}). */
    record Response(int status, Headers headers, byte[] body) {
        static Response read(InputStream socket) throws IOException {
            ConnectionInput in = new ConnectionInput(socket, 8 * 1024);
            Http1Codec.ResponseHead head = Http1Codec.readResponseHead(in, PEER);
            if (head == null) {
                throw new IOException("Runtime API sent no HTTP status line");
            }
            try (InputStream body = Http1Codec.body(in, head)) {
                return new Response(head.status(), head.headers(), body.readAllBytes());
            }
        }
    }
}
