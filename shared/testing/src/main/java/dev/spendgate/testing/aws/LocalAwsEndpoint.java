package dev.spendgate.testing.aws;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One local endpoint standing in for every AWS service a Spendgate function calls, because the functions take a
 * single endpoint override ({@code SPENDGATE_AWS_ENDPOINT_URL}): DynamoDB requests ({@code X-Amz-Target:
 * DynamoDB_...}) go to dynalite and S3 requests to s3proxy, bytes unchanged; Secrets Manager
 * {@code GetSecretValue}, SNS {@code Publish} and SES v2 {@code SendEmail} are answered here from {@link #putSecret}
 * and recorded ({@link #published()}, {@link #emails()}).
 *
 * <p>Every request is counted as an {@link Operation} (service, action, bytes each way), which is what the gateway's
 * own AWS cost is computed from. {@link #latency(Duration)} holds every forwarded request for that long before it
 * reaches the backend, an AWS-like network round trip.
 */
public final class LocalAwsEndpoint implements AutoCloseable {
    /**
     * One AWS request as seen on the wire: {@code startNanos} ({@link System#nanoTime()}) when it had arrived whole,
     * {@code nanos} until its answer was sent (the injected latency included).
     */
    public record Operation(
            String service, String action, long requestBytes, long responseBytes, long startNanos, long nanos) {}

    private static final Pattern SECRET_ID = Pattern.compile("\"SecretId\"\\s*:\\s*\"([^\"]*)\"");

    private final ServerSocket server;
    private final int dynamoDbPort;
    private final int s3Port;
    private volatile int firehosePort = -1;
    private volatile LocalAthena athena;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<Operation> operations = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> published = new CopyOnWriteArrayList<>();
    private final List<String> emails = new CopyOnWriteArrayList<>();
    private volatile long latencyNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Object gate = new Object();
    private int holdUntilInFlight;
    private long holdDeadlineNanos;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<S3Fault> s3Faults = new CopyOnWriteArrayList<>();
    private final List<String> dynamoDbRequests = new CopyOnWriteArrayList<>();

    /**
     * A fault {@link #failDynamoDb} injected: HTTP 500 {@code InternalServerError} (the SDK retries, then throws) for
     * DynamoDB requests whose body contains all of {@code bodyContains}; {@code afterApplying}: dynalite still applies
     * the request, only its answer is lost (as when AWS applied a write and the response timed out).
     */
    private record Fault(List<String> bodyContains, boolean afterApplying, AtomicInteger remaining, boolean throttle) {
        boolean matches(String body) {
            return bodyContains.stream().allMatch(body::contains);
        }
    }

    /** A fault {@link #failS3} injected: HTTP 500 {@code InternalError} for S3 requests of a method and path. */
    private record S3Fault(String method, String pathContains, boolean afterApplying, AtomicInteger remaining) {
        boolean matches(Head request) {
            return request.method().equals(method) && request.path().contains(pathContains);
        }
    }

    private LocalAwsEndpoint(int dynamoDbPort, int s3Port) throws IOException {
        this.dynamoDbPort = dynamoDbPort;
        this.s3Port = s3Port;
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "local-aws-endpoint");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts the endpoint in front of dynalite and s3proxy. */
    public static LocalAwsEndpoint start(URI dynamoDb, URI s3) {
        Objects.requireNonNull(dynamoDb, "dynamoDb");
        Objects.requireNonNull(s3, "s3");
        try {
            return new LocalAwsEndpoint(dynamoDb.getPort(), s3.getPort());
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a local port for the AWS endpoint", e);
        }
    }

    /**
     * Forwards Amazon Data Firehose requests ({@code X-Amz-Target: Firehose_20150804...}) to a local stream such as
     * {@link LocalFirehose}; without it they fall through to s3proxy and fail as an unknown S3 request would.
     */
    public LocalAwsEndpoint withFirehose(URI firehose) {
        this.firehosePort = Objects.requireNonNull(firehose, "firehose").getPort();
        return this;
    }

    /**
     * Answers Amazon Athena requests ({@code X-Amz-Target: AmazonAthena.StartQueryExecution}, {@code
     * GetQueryExecution}, {@code GetQueryResults}, {@code StopQueryExecution}) with {@code engine}, which runs each
     * query as it starts; without it they fall through to s3proxy and fail as an unknown S3 request would.
     */
    public LocalAwsEndpoint withAthena(LocalAthena engine) {
        this.athena = Objects.requireNonNull(engine, "engine");
        return this;
    }

    /** The URL to give as {@code SPENDGATE_AWS_ENDPOINT_URL}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Holds every request for {@code perRoundTrip} before answering it (zero: none). */
    public void latency(Duration perRoundTrip) {
        latencyNanos = perRoundTrip.toNanos();
    }

    /**
     * Holds every request that arrives from now on until {@code requests} requests are in flight at once (arrived and
     * not yet answered), or {@code atMost} has passed; then lets them all through and holds nothing more. Proves
     * requests are sent together without timing them: a client that waits for one answer before sending the next never
     * gets there, and {@link #maxInFlight} stays below {@code requests}.
     */
    public void holdUntilInFlight(int requests, Duration atMost) {
        synchronized (gate) {
            maxInFlight.set(inFlight.get());
            holdUntilInFlight = requests;
            holdDeadlineNanos = System.nanoTime() + atMost.toNanos();
        }
    }

    /** The most requests in flight at once since the last {@link #holdUntilInFlight} (or since the start). */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /**
     * Answers DynamoDB requests whose JSON body contains every one of {@code bodyContains} with HTTP 500
     * InternalServerError, {@code times} times ({@code -1}: until {@link #clearFaults}); with {@code afterApplying} the
     * request is applied by dynalite first and only its answer is lost.
     */
    public void failDynamoDb(boolean afterApplying, int times, String... bodyContains) {
        faults.add(new Fault(List.of(bodyContains), afterApplying, new AtomicInteger(times), false));
    }

    /**
     * Refuses DynamoDB requests whose JSON body contains every one of {@code bodyContains} with HTTP 400
     * ProvisionedThroughputExceededException, {@code times} times ({@code -1}: until {@link #clearFaults}), without
     * applying them: a refusal the client knows changed nothing.
     */
    public void throttleDynamoDb(int times, String... bodyContains) {
        faults.add(new Fault(List.of(bodyContains), false, new AtomicInteger(times), true));
    }

    /**
     * Answers S3 requests of {@code method} whose path contains {@code pathContains} with HTTP 500 InternalError,
     * {@code times} times ({@code -1}: until {@link #clearFaults}); with {@code afterApplying} s3proxy applies the
     * request first and only its answer is lost (the SDK then resends it).
     */
    public void failS3(boolean afterApplying, int times, String method, String pathContains) {
        s3Faults.add(new S3Fault(method, pathContains, afterApplying, new AtomicInteger(times)));
    }

    /** Ends every {@link #failDynamoDb} and {@link #failS3} fault. */
    public void clearFaults() {
        faults.clear();
        s3Faults.clear();
    }

    /** The JSON bodies of the DynamoDB requests so far ({@code X-Amz-Target} action first, then a space), in order. */
    public List<String> dynamoDbRequests() {
        return List.copyOf(dynamoDbRequests);
    }

    /** Makes {@code GetSecretValue} of {@code id} answer {@code secretString}. */
    public void putSecret(String id, String secretString) {
        secrets.put(id, secretString);
    }

    /** Every request so far, in arrival order. */
    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    /** Forgets the requests counted so far. */
    public void resetOperations() {
        operations.clear();
    }

    /** SNS messages published so far: the decoded form fields of each Publish ({@code TopicArn}, {@code Message}). */
    public List<Map<String, String>> published() {
        return List.copyOf(published);
    }

    /** SES v2 SendEmail request bodies so far (JSON). */
    public List<String> emails() {
        return List.copyOf(emails);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "local-aws-endpoint-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                Head request = Head.read(in);
                if (request == null) {
                    return;
                }
                byte[] body = request.readBody(in);
                long begin = System.nanoTime();
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                arrived();
                try {
                    if (latencyNanos > 0) {
                        sleepNanos(latencyNanos);
                    }
                    long responseBytes = answer(request, body, answer);
                    String[] what = classify(request, body);
                    // counted before the client can have its answer, so a caller that got it always finds it here
                    operations.add(new Operation(
                            what[0],
                            what[1],
                            request.size() + body.length,
                            responseBytes,
                            begin,
                            System.nanoTime() - begin));
                } finally {
                    inFlight.decrementAndGet();
                }
                answer.writeTo(out);
                out.flush();
                if ("close".equalsIgnoreCase(request.value("connection"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client sees a closed connection and retries; nothing to do here
        }
    }

    /** Counts a request in flight and, while {@link #holdUntilInFlight} holds, waits for the others. */
    private void arrived() {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        synchronized (gate) {
            gate.notifyAll();
            while (holdUntilInFlight > 0 && inFlight.get() < holdUntilInFlight) {
                long left = holdDeadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    gate.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            holdUntilInFlight = 0;
            gate.notifyAll();
        }
    }

    private long answer(Head request, byte[] body, OutputStream out) throws IOException {
        String target = request.value("x-amz-target");
        if (target != null && target.startsWith("DynamoDB_")) {
            String text = new String(body, StandardCharsets.UTF_8);
            dynamoDbRequests.add(target.substring(target.indexOf('.') + 1) + " " + text);
            for (Fault f : faults) {
                if (f.matches(text) && f.remaining().getAndUpdate(n -> n == 0 ? 0 : n - 1) != 0) {
                    if (f.throttle()) {
                        return respond(
                                out,
                                400,
                                "application/x-amz-json-1.0",
                                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                                        + "\"message\":\"injected by LocalAwsEndpoint\"}");
                    }
                    if (f.afterApplying()) {
                        forward(dynamoDbPort, request, body, OutputStream.nullOutputStream());
                    }
                    return respond(
                            out,
                            500,
                            "application/x-amz-json-1.0",
                            "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
                                    + "\"message\":\"injected by LocalAwsEndpoint\"}");
                }
            }
            return forward(dynamoDbPort, request, body, out);
        }
        if (target != null && target.startsWith("secretsmanager.")) {
            return secret(target, body, out);
        }
        if (target != null && target.startsWith("Firehose_") && firehosePort > 0) {
            return forward(firehosePort, request, body, out);
        }
        if (target != null && target.startsWith("AmazonAthena.") && athena != null) {
            return respond(out, 200, "application/x-amz-json-1.1", athena(target, body));
        }
        String path = request.path();
        if (path.startsWith("/v2/email/outbound-emails")) {
            emails.add(new String(body, StandardCharsets.UTF_8));
            return respond(out, 200, "application/json", "{\"MessageId\":\"local-" + emails.size() + "\"}");
        }
        String contentType = request.value("content-type");
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
            Map<String, String> form = form(body);
            if ("Publish".equals(form.get("Action"))) {
                published.add(form);
                return respond(
                        out,
                        200,
                        "text/xml",
                        "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
                                + "<MessageId>local-" + published.size() + "</MessageId></PublishResult>"
                                + "<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishResponse>");
            }
            return respond(
                    out, 400, "text/xml", "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>");
        }
        for (S3Fault f : s3Faults) {
            if (f.matches(request) && f.remaining().getAndUpdate(n -> n == 0 ? 0 : n - 1) != 0) {
                if (f.afterApplying()) {
                    forward(s3Port, request, body, OutputStream.nullOutputStream());
                }
                return respond(
                        out,
                        500,
                        "application/xml",
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected"
                                + " by LocalAwsEndpoint</Message><RequestId>local</RequestId></Error>");
            }
        }
        return forward(s3Port, request, body, out);
    }

    private long secret(String target, byte[] body, OutputStream out) throws IOException {
        Matcher m = SECRET_ID.matcher(new String(body, StandardCharsets.UTF_8));
        String id = m.find() ? m.group(1) : "";
        String value = secrets.get(id);
        if (!target.endsWith(".GetSecretValue") || value == null) {
            return respond(
                    out,
                    400,
                    "application/x-amz-json-1.1",
                    "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified"
                            + " secret.\"}");
        }
        return respond(
                out,
                200,
                "application/x-amz-json-1.1",
                "{\"ARN\":\"" + json(id) + "\",\"Name\":\"" + json(id)
                        + "\",\"VersionId\":\"local\",\"SecretString\":\"" + json(value) + "\"}");
    }

    /** Athena's JSON 1.1 answer to one request, the query run by {@link #athena} as it starts. */
    private String athena(String target, byte[] body) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode request = json.readTree(body);
        com.fasterxml.jackson.databind.node.ObjectNode answer = json.createObjectNode();
        String id = request.path("QueryExecutionId").asText(null);
        switch (target.substring(target.indexOf('.') + 1)) {
            case "StartQueryExecution" ->
                answer.put(
                        "QueryExecutionId",
                        athena.start(request.path("QueryString").asText()));
            case "GetQueryExecution" -> {
                com.fasterxml.jackson.databind.node.ObjectNode execution = answer.putObject("QueryExecution");
                execution.put("QueryExecutionId", id);
                com.fasterxml.jackson.databind.node.ObjectNode status = execution.putObject("Status");
                java.util.Optional<String> failure = athena.failure(id);
                status.put("State", failure.isPresent() ? "FAILED" : "SUCCEEDED");
                failure.ifPresent(reason -> status.put("StateChangeReason", reason));
            }
            case "GetQueryResults" -> {
                List<List<String>> all = athena.results(id);
                int from = request.hasNonNull("NextToken")
                        ? Integer.parseInt(request.path("NextToken").asText())
                        : 0;
                int to = Math.min(all.size(), from + request.path("MaxResults").asInt(1000));
                com.fasterxml.jackson.databind.node.ArrayNode rows =
                        answer.putObject("ResultSet").putArray("Rows");
                for (List<String> values : all.subList(from, to)) {
                    com.fasterxml.jackson.databind.node.ArrayNode data =
                            rows.addObject().putArray("Data");
                    for (String v : values) {
                        com.fasterxml.jackson.databind.node.ObjectNode datum = data.addObject();
                        if (v != null) {
                            datum.put("VarCharValue", v); // NULL: a datum without a value, as Athena sends it
                        }
                    }
                }
                if (to < all.size()) {
                    answer.put("NextToken", Integer.toString(to));
                }
            }
            default -> {} // StopQueryExecution: every query has already finished
        }
        return json.writeValueAsString(answer);
    }

    private static long respond(OutputStream out, int status, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + status
                        + (status == 200 ? " OK" : status == 500 ? " Internal Server Error" : " Bad Request")
                        + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                        + "\r\nx-amzn-RequestId: local\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        out.write(head);
        out.write(body);
        return head.length + body.length;
    }

    /** Sends the request to the backend on a connection of its own and relays the answer with a Content-Length. */
    private static long forward(int port, Head request, byte[] body, OutputStream out) throws IOException {
        try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), port)) {
            backend.setTcpNoDelay(true);
            OutputStream toBackend = backend.getOutputStream();
            toBackend.write(request.withConnection("close"));
            toBackend.write(body);
            toBackend.flush();
            InputStream fromBackend = new BufferedInputStream(backend.getInputStream());
            Head response = Head.read(fromBackend);
            if (response == null) {
                throw new IOException("backend closed without answering");
            }
            byte[] responseBody = "HEAD".equals(request.method()) ? new byte[0] : response.readDecodedBody(fromBackend);
            byte[] head = response.withLength(responseBody.length, "HEAD".equals(request.method()));
            out.write(head);
            out.write(responseBody);
            return head.length + responseBody.length;
        }
    }

    /** {service, action} of a request. */
    private static String[] classify(Head request, byte[] body) {
        String target = request.value("x-amz-target");
        if (target != null) {
            int dot = target.indexOf('.');
            String service = target.startsWith("DynamoDB_")
                    ? "dynamodb"
                    : target.startsWith("Firehose_") ? "firehose" : target.substring(0, Math.max(dot, 0));
            return new String[] {service, target.substring(dot + 1)};
        }
        String path = request.path();
        if (path.startsWith("/v2/email/")) {
            return new String[] {"ses", "SendEmail"};
        }
        String contentType = request.value("content-type");
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
            return new String[] {"sns", form(body).getOrDefault("Action", "?")};
        }
        String query = request.query();
        String[] parts = path.substring(1).split("/", 2);
        boolean object = parts.length == 2 && !parts[1].isEmpty();
        String action =
                switch (request.method()) {
                    case "PUT" ->
                        object ? (request.has("x-amz-copy-source") ? "CopyObject" : "PutObject") : "CreateBucket";
                    case "GET" ->
                        object ? "GetObject" : query.contains("list-type=2") ? "ListObjectsV2" : "ListObjects";
                    case "HEAD" -> object ? "HeadObject" : "HeadBucket";
                    case "DELETE" -> object ? "DeleteObject" : "DeleteBucket";
                    case "POST" -> query.contains("delete") ? "DeleteObjects" : "PostObject";
                    default -> request.method();
                };
        return new String[] {"s3", action};
    }

    private static Map<String, String> form(byte[] body) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The start line and header lines of an HTTP/1.1 message. */
    private record Head(List<String> lines) {
        static Head read(InputStream in) throws IOException {
            List<String> lines = new ArrayList<>();
            String line = line(in);
            while (line != null && line.isEmpty()) {
                line = line(in); // tolerate a stray CRLF between keep-alive requests
            }
            if (line == null) {
                return null;
            }
            while (line != null && !line.isEmpty()) {
                lines.add(line);
                line = line(in);
            }
            return new Head(lines);
        }

        String method() {
            return lines.get(0).split(" ", 2)[0];
        }

        private String target() {
            String[] parts = lines.get(0).split(" ");
            return parts.length > 1 ? parts[1] : "/";
        }

        String path() {
            String t = target();
            int q = t.indexOf('?');
            return q < 0 ? t : t.substring(0, q);
        }

        String query() {
            String t = target();
            int q = t.indexOf('?');
            return q < 0 ? "" : t.substring(q + 1);
        }

        boolean has(String name) {
            return value(name) != null;
        }

        String value(String name) {
            for (int i = 1; i < lines.size(); i++) {
                String l = lines.get(i);
                int colon = l.indexOf(':');
                if (colon > 0
                        && l.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    return l.substring(colon + 1).trim();
                }
            }
            return null;
        }

        long size() {
            long n = 2;
            for (String l : lines) {
                n += l.length() + 2;
            }
            return n;
        }

        /** The body exactly as sent (chunk framing included), so signatures stay valid when forwarded. */
        byte[] readBody(InputStream in) throws IOException {
            String length = value("content-length");
            if (length != null) {
                return in.readNBytes(Integer.parseInt(length.trim()));
            }
            if (!"chunked".equalsIgnoreCase(value("transfer-encoding"))) {
                return new byte[0];
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                out.write((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (n == 0) {
                    String trailer;
                    do {
                        trailer = line(in);
                        out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    } while (trailer != null && !trailer.isEmpty());
                    return out.toByteArray();
                }
                out.write(in.readNBytes(n + 2));
            }
        }

        /** A response body with chunked framing removed (the backend closes after it). */
        byte[] readDecodedBody(InputStream in) throws IOException {
            String length = value("content-length");
            if (length != null) {
                return in.readNBytes(Integer.parseInt(length.trim()));
            }
            if (!"chunked".equalsIgnoreCase(value("transfer-encoding"))) {
                int status = Integer.parseInt(lines.get(0).split(" ")[1]);
                return status == 204 || status == 304 ? new byte[0] : in.readAllBytes();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (n == 0) {
                    String trailer;
                    do {
                        trailer = line(in);
                    } while (trailer != null && !trailer.isEmpty());
                    return out.toByteArray();
                }
                out.write(in.readNBytes(n));
                line(in);
            }
        }

        byte[] withConnection(String connection) {
            StringBuilder sb = new StringBuilder(lines.get(0)).append("\r\n");
            for (int i = 1; i < lines.size(); i++) {
                if (!lines.get(i).toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    sb.append(lines.get(i)).append("\r\n");
                }
            }
            sb.append("Connection: ").append(connection).append("\r\n\r\n");
            return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        /** This response's head for a keep-alive client: framing by Content-Length. */
        byte[] withLength(int length, boolean head) {
            StringBuilder sb = new StringBuilder(lines.get(0)).append("\r\n");
            for (int i = 1; i < lines.size(); i++) {
                String lower = lines.get(i).toLowerCase(Locale.ROOT);
                if (lower.startsWith("connection:")
                        || lower.startsWith("transfer-encoding:")
                        || (!head && lower.startsWith("content-length:"))) {
                    continue;
                }
                sb.append(lines.get(i)).append("\r\n");
            }
            if (!head) {
                sb.append("Content-Length: ").append(length).append("\r\n");
            }
            sb.append("\r\n");
            return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        static String line(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(80);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
                }
                buf.write(b);
            }
            return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
