package dev.spendgate.function.proxy.lambda.stream;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A minimal HTTP/1.1 client for the Lambda Runtime API ({@code AWS_LAMBDA_RUNTIME_API}, always plain HTTP on the
 * sandbox's loopback). Raw sockets rather than {@code java.net.http}: the streamed response needs chunked encoding
 * under our control, and the JDK client costs tens of milliseconds of cold start.
 */
public final class RuntimeApiClient {
    static final String BASE = "/2018-06-01/runtime";
    static final String STREAMING_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";

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
            Response response = Response.read(new BufferedInputStream(socket.getInputStream()));
            if (response.status != 200) {
                throw new IOException("Runtime API next invocation answered HTTP " + response.status);
            }
            String requestId = response.headers.get("lambda-runtime-aws-request-id");
            if (requestId == null) {
                throw new IOException("Runtime API next invocation has no Lambda-Runtime-Aws-Request-Id");
            }
            String deadline = response.headers.get("lambda-runtime-deadline-ms");
            return new Invocation(
                    requestId,
                    deadline == null ? 0 : Long.parseLong(deadline),
                    response.headers.get("lambda-runtime-trace-id"),
                    response.body);
        }
    }

    /** Opens the streamed response of one invocation; the caller writes the prelude and body, then ends it. */
    public StreamingResponse respond(String requestId) throws IOException {
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
            return new StreamingResponse(socket);
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

    private void post(String path, String errorType, String message) throws IOException {
        byte[] body = ("{\"errorMessage\":\"" + jsonEscape(message) + "\",\"errorType\":\"" + jsonEscape(errorType)
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                            + "Lambda-Runtime-Function-Error-Type: " + errorType + "\r\n"
                            + "Content-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Response response = Response.read(new BufferedInputStream(socket.getInputStream()));
            if (response.status / 100 != 2) {
                throw new IOException("Runtime API error report answered HTTP " + response.status);
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

    /** A parsed HTTP response: status, lower-cased headers, body (Content-Length or chunked). */
    static final class Response {
        final int status;
        final Map<String, String> headers;
        final byte[] body;

        private Response(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("Runtime API sent no HTTP status line");
            }
            int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
            Map<String, String> headers = new TreeMap<>();
            String line;
            while ((line = line(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(
                            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                while (true) {
                    String size = line(in);
                    if (size == null) {
                        throw new IOException("Runtime API response ended inside a chunk");
                    }
                    int semicolon = size.indexOf(';');
                    int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0) {
                        while ((line = line(in)) != null && !line.isEmpty()) {
                            // trailers: none expected
                        }
                        break;
                    }
                    buf.write(in.readNBytes(n));
                    line(in);
                }
                body = buf.toByteArray();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                body = in.readAllBytes();
            }
            return new Response(status, headers, body);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
                }
                buf.write(b);
            }
            return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
