package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * A local Amazon Bedrock runtime: {@code POST /model/{modelId}/converse}, {@code /converse-stream},
 * {@code /invoke} and {@code /invoke-with-response-stream} (Anthropic Messages bodies, and Meta Llama's
 * {@code prompt} bodies for {@code meta.} models), streams in AWS event-stream
 * frames encoded by the AWS SDK's own codec. Every request must carry a valid SigV4 signature for the fake's
 * credentials and region (service {@code bedrock}); others get 403 {@code InvalidSignatureException}, as from AWS.
 *
 * <p>Answers are deterministic for a given request and {@link BedrockReply}, so a call made directly and the same
 * call made through a proxy can be compared byte for byte. Replies: the next {@link #enqueue queued} one, else the
 * {@link #setDefaultReply default}.
 */
public final class FakeBedrockRuntime implements AutoCloseable {
    public static final String ACCESS_KEY_ID = "AKIDFAKEBEDROCK00001";
    public static final String SECRET_ACCESS_KEY = "fake-bedrock-secret-access-key-0000000001";
    public static final String REGION = "us-east-1";
    private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final HttpServer server;
    private final ExecutorService executor;
    private final URI baseUri;
    private final ConcurrentLinkedQueue<BedrockReply> queued = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> recorded = new ArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private volatile BedrockReply defaultReply = BedrockReply.defaults();
    private volatile String promptRouterServes = DEFAULT_ROUTED_MODEL;

    /** The model a prompt router serves unless {@link #setPromptRouterServes} says otherwise: Claude 3 Haiku. */
    public static final String DEFAULT_ROUTED_MODEL =
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0";

    private FakeBedrockRuntime() throws IOException {
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "fake-bedrock-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            // as FakeLlmUpstream: without TCP_NODELAY, Nagle's algorithm adds ~40 ms to each kept-alive response
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 256);
        this.server.setExecutor(executor);
        this.server.createContext("/", this::handle);
        this.server.start();
        this.baseUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public static FakeBedrockRuntime start() {
        try {
            return new FakeBedrockRuntime();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the fake Bedrock runtime", e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, the value for an SDK's {@code endpointOverride}. */
    public URI baseUri() {
        return baseUri;
    }

    public void setDefaultReply(BedrockReply reply) {
        this.defaultReply = Objects.requireNonNull(reply, "reply");
    }

    /**
     * The model id a prompt router ({@code modelId} a {@code default-prompt-router/} or {@code prompt-router/} ARN)
     * answers with, as Bedrock does in Converse's {@code trace.promptRouter.invokedModelId}.
     */
    public void setPromptRouterServes(String invokedModelId) {
        this.promptRouterServes = Objects.requireNonNull(invokedModelId, "invokedModelId");
    }

    public void enqueue(BedrockReply reply) {
        queued.add(Objects.requireNonNull(reply, "reply"));
    }

    /** Requests received (signature checked or not), oldest first. */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public int requestCount() {
        return requestCount.get();
    }

    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("the fake Bedrock runtime has not received any request yet");
            }
            return recorded.get(recorded.size() - 1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- request handling -----------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try {
            dispatch(exchange);
        } catch (CutStream e) {
            throw e; // out of the handler unclosed: the JDK server drops the connection mid-frame
        } catch (RuntimeException e) {
            if (exchange.getResponseCode() == -1) {
                error(exchange, 500, "InternalServerException", "fake Bedrock failed: " + e);
            }
        }
        exchange.close();
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String rawPath = exchange.getRequestURI().getRawPath();
        synchronized (recorded) {
            requestCount.incrementAndGet();
            recorded.add(new RecordedRequest(
                    exchange.getRequestMethod(),
                    rawPath,
                    exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders(),
                    body,
                    Instant.now()));
        }
        String[] parts = rawPath.split("/");
        if (!exchange.getRequestMethod().equals("POST") || parts.length != 4 || !parts[1].equals("model")) {
            error(exchange, 404, "UnknownOperationException", null);
            return;
        }
        String signatureProblem = verifySignature(exchange, rawPath, body);
        if (signatureProblem != null) {
            error(exchange, 403, "InvalidSignatureException", signatureProblem);
            return;
        }
        String modelId = URLDecoder.decode(parts[2].replace("+", "%2B"), StandardCharsets.UTF_8);
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            request = null;
        }
        if (request == null || !request.isObject()) {
            error(
                    exchange,
                    400,
                    "ValidationException",
                    "Malformed input request, please reformat your input and try again.");
            return;
        }
        String operation = parts[3];
        boolean converse = operation.equals("converse") || operation.equals("converse-stream");
        boolean invoke = operation.equals("invoke") || operation.equals("invoke-with-response-stream");
        if (!converse && !invoke) {
            error(exchange, 404, "UnknownOperationException", null);
            return;
        }
        if (converse && !request.path("messages").isArray()) {
            error(
                    exchange,
                    400,
                    "ValidationException",
                    "The model returned the following errors: messages is required");
            return;
        }
        boolean llama = modelId.replaceFirst("^(us|eu|apac|global)\\.", "").startsWith("meta.");
        if (invoke && llama && !request.path("prompt").isTextual()) {
            error(exchange, 400, "ValidationException", "Malformed input request: required key [prompt] not found");
            return;
        }
        if (invoke
                && !llama
                && (!"bedrock-2023-05-31"
                                .equals(request.path("anthropic_version").asText())
                        || !request.path("max_tokens").canConvertToLong())) {
            error(
                    exchange,
                    400,
                    "ValidationException",
                    "Malformed input request: anthropic_version and max_tokens are required");
            return;
        }
        BedrockReply reply = queued.poll();
        if (reply == null) {
            reply = defaultReply;
        }
        if (reply.isError()) {
            error(exchange, reply.errorStatus(), reply.errorCode(), reply.errorMessage());
            return;
        }
        String id = "msg_bdrk_01" + hash(body).substring(0, 22);
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId(body));
        if (invoke) { // InvokeModel answers with the tier and latency setting it served, as headers
            for (String name : List.of("X-Amzn-Bedrock-Service-Tier", "X-Amzn-Bedrock-PerformanceConfig-Latency")) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value != null) {
                    exchange.getResponseHeaders().set(name, value);
                }
            }
        }
        switch (operation) {
            case "converse" -> json(exchange, converseBody(reply, routedTo(modelId)), Map.of());
            case "converse-stream" -> stream(exchange, converseEvents(reply, routedTo(modelId)), reply, Map.of());
            case "invoke" ->
                json(
                        exchange,
                        llama ? llamaGeneration(reply) : anthropicMessage(reply, id, modelId, true),
                        invokeHeaders(reply));
            default ->
                stream(
                        exchange,
                        llama ? llamaEvents(reply) : invokeEvents(reply, id, modelId),
                        reply,
                        Map.of("X-Amzn-Bedrock-Content-Type", "application/json"));
        }
    }

    // ---- SigV4 ----------------------------------------------------------------------------------------------

    /** Null when the request is signed for the fake's credentials; else what is wrong with it. */
    private static String verifySignature(HttpExchange exchange, String rawPath, byte[] body) {
        Headers headers = exchange.getRequestHeaders();
        String authorization = headers.getFirst("Authorization");
        String amzDate = headers.getFirst("X-Amz-Date");
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ") || amzDate == null) {
            return "Missing Authentication Token";
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : authorization.substring(17).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String credential = fields.getOrDefault("Credential", "");
        String[] scope = credential.split("/");
        if (scope.length != 5 || !scope[0].equals(ACCESS_KEY_ID)) {
            return "The security token included in the request is invalid.";
        }
        if (!scope[2].equals(REGION) || !scope[3].equals("bedrock")) {
            return "Credential should be scoped to a valid region and service bedrock, not '" + credential + "'.";
        }
        Instant signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + headers.getFirst("Host") + rawPath));
        for (String name : fields.getOrDefault("SignedHeaders", "").split(";")) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("host") && !lower.equals("x-amz-date") && headers.containsKey(name)) {
                headers.get(name).forEach(v -> request.appendHeader(name, v));
            }
        }
        SignedRequest expected = AwsV4HttpSigner.create().sign(r -> r.request(request.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .identity(AwsCredentialsIdentity.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
        String want = expected.request().firstMatchingHeader("Authorization").orElse("");
        return want.equals(authorization)
                ? null
                : "The request signature we calculated does not match the signature you provided.";
    }

    // ---- bodies and events ----------------------------------------------------------------------------------

    /** The model a prompt router ARN routed to, or null when {@code modelId} is not a prompt router. */
    private String routedTo(String modelId) {
        return modelId.matches("^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\\d{12}:(default-)?prompt-router/.+$")
                ? promptRouterServes
                : null;
    }

    private static void trace(ObjectNode node, String routedTo) {
        if (routedTo != null) {
            node.putObject("trace").putObject("promptRouter").put("invokedModelId", routedTo);
        }
    }

    private static ObjectNode converseBody(BedrockReply reply, String routedTo) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = root.putObject("output").putObject("message");
        message.put("role", "assistant");
        message.putArray("content").addObject().put("text", reply.text());
        root.put("stopReason", "end_turn");
        root.set("usage", converseUsage(reply));
        root.putObject("metrics").put("latencyMs", 120);
        trace(root, routedTo);
        return root;
    }

    private static ObjectNode converseUsage(BedrockReply reply) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("inputTokens", reply.inputTokens());
        usage.put("outputTokens", reply.outputTokens());
        usage.put(
                "totalTokens",
                reply.inputTokens()
                        + reply.cacheReadInputTokens()
                        + reply.cacheWriteInputTokens()
                        + reply.outputTokens());
        if (reply.cacheReadInputTokens() > 0 || reply.cacheWriteInputTokens() > 0) {
            usage.put("cacheReadInputTokens", reply.cacheReadInputTokens());
            usage.put("cacheWriteInputTokens", reply.cacheWriteInputTokens());
        }
        if (reply.cacheWrite1hInputTokens() > 0) {
            ArrayNode details = usage.putArray("cacheDetails");
            details.addObject().put("ttl", "1h").put("inputTokens", reply.cacheWrite1hInputTokens());
            long fiveMinutes = reply.cacheWriteInputTokens() - reply.cacheWrite1hInputTokens();
            if (fiveMinutes > 0) {
                details.addObject().put("ttl", "5m").put("inputTokens", fiveMinutes);
            }
        }
        return usage;
    }

    private static List<Event> converseEvents(BedrockReply reply, String routedTo) {
        List<Event> events = new ArrayList<>();
        events.add(new Event("messageStart", JSON.createObjectNode().put("role", "assistant")));
        for (String piece : pieces(reply)) {
            ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
            delta.putObject("delta").put("text", piece);
            events.add(new Event("contentBlockDelta", delta));
        }
        events.add(new Event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
        events.add(new Event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn")));
        ObjectNode metadata = JSON.createObjectNode();
        metadata.set("usage", converseUsage(reply));
        metadata.putObject("metrics").put("latencyMs", 120);
        trace(metadata, routedTo);
        events.add(new Event("metadata", metadata));
        return events;
    }

    private static ObjectNode anthropicMessage(BedrockReply reply, String id, String modelId, boolean whole) {
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", anthropicModel(modelId));
        ArrayNode content = message.putArray("content");
        if (whole) {
            content.addObject().put("type", "text").put("text", reply.text());
        }
        message.put("stop_reason", whole ? "end_turn" : null);
        message.putNull("stop_sequence");
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", reply.inputTokens());
        usage.put("cache_creation_input_tokens", reply.cacheWriteInputTokens());
        usage.put("cache_read_input_tokens", reply.cacheReadInputTokens());
        if (reply.cacheWrite1hInputTokens() > 0) {
            usage.putObject("cache_creation")
                    .put("ephemeral_5m_input_tokens", reply.cacheWriteInputTokens() - reply.cacheWrite1hInputTokens())
                    .put("ephemeral_1h_input_tokens", reply.cacheWrite1hInputTokens());
        }
        usage.put("output_tokens", whole ? reply.outputTokens() : 1);
        return message;
    }

    private static List<Event> invokeEvents(BedrockReply reply, String id, String modelId) {
        List<ObjectNode> inner = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        start.set("message", anthropicMessage(reply, id, modelId, false));
        inner.add(start);
        ObjectNode blockStart =
                JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        inner.add(blockStart);
        for (String piece : pieces(reply)) {
            ObjectNode delta =
                    JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            inner.add(delta);
        }
        inner.add(JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", reply.outputTokens());
        inner.add(messageDelta);
        ObjectNode stop = JSON.createObjectNode().put("type", "message_stop");
        ObjectNode metrics = stop.putObject("amazon-bedrock-invocationMetrics");
        metrics.put("inputTokenCount", reply.inputTokens());
        metrics.put("outputTokenCount", reply.outputTokens());
        metrics.put("invocationLatency", 120);
        metrics.put("firstByteLatency", 40);
        metrics.put("cacheReadInputTokenCount", reply.cacheReadInputTokens());
        metrics.put("cacheWriteInputTokenCount", reply.cacheWriteInputTokens());
        inner.add(stop);
        List<Event> events = new ArrayList<>();
        for (ObjectNode event : inner) {
            String bytes = Base64.getEncoder().encodeToString(write(event));
            events.add(new Event("chunk", JSON.createObjectNode().put("bytes", bytes)));
        }
        return events;
    }

    /** Meta Llama's InvokeModel answer: {@code generation} and its own token counts. */
    private static ObjectNode llamaGeneration(BedrockReply reply) {
        ObjectNode body = JSON.createObjectNode();
        body.put("generation", reply.text());
        body.put("prompt_token_count", reply.inputTokens());
        body.put("generation_token_count", reply.outputTokens());
        body.put("stop_reason", "stop");
        return body;
    }

    /** Llama's stream: one chunk per piece, the last one with Bedrock's invocation metrics. */
    private static List<Event> llamaEvents(BedrockReply reply) {
        List<String> pieces = pieces(reply);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            ObjectNode chunk = JSON.createObjectNode();
            chunk.put("generation", pieces.get(i));
            chunk.putNull("prompt_token_count");
            chunk.put("generation_token_count", i + 1);
            chunk.put("stop_reason", last ? "stop" : null);
            if (last) {
                ObjectNode metrics = chunk.putObject("amazon-bedrock-invocationMetrics");
                metrics.put("inputTokenCount", reply.inputTokens());
                metrics.put("outputTokenCount", reply.outputTokens());
                metrics.put("invocationLatency", 120);
                metrics.put("firstByteLatency", 40);
            }
            String bytes = Base64.getEncoder().encodeToString(write(chunk));
            events.add(new Event("chunk", JSON.createObjectNode().put("bytes", bytes)));
        }
        return events;
    }

    private static Map<String, String> invokeHeaders(BedrockReply reply) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Amzn-Bedrock-Input-Token-Count", Long.toString(reply.inputTokens()));
        headers.put("X-Amzn-Bedrock-Output-Token-Count", Long.toString(reply.outputTokens()));
        headers.put("X-Amzn-Bedrock-Invocation-Latency", "120");
        return headers;
    }

    /** {@code anthropic.claude-sonnet-4-5-20250929-v1:0} (or a profile of it) answers as {@code claude-sonnet-4-5-20250929}. */
    private static String anthropicModel(String modelId) {
        String m = modelId.replaceFirst("^(us|eu|apac|global|jp|au|ca)\\.", "").replaceFirst("^anthropic\\.", "");
        return m.replaceFirst("-v\\d+(:\\d+)?$", "");
    }

    private static List<String> pieces(BedrockReply reply) {
        String text = reply.text();
        int n = Math.min(reply.pieces(), Math.max(1, text.length()));
        List<String> out = new ArrayList<>();
        int size = (text.length() + n - 1) / Math.max(1, n);
        for (int i = 0; i < text.length(); i += Math.max(1, size)) {
            out.add(text.substring(i, Math.min(text.length(), i + Math.max(1, size))));
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }

    // ---- wire -----------------------------------------------------------------------------------------------

    private record Event(String type, ObjectNode payload) {}

    /** Thrown to leave a stream cut in the middle of a frame. */
    private static final class CutStream extends IOException {
        private static final long serialVersionUID = 1L;
    }

    private static void json(HttpExchange exchange, ObjectNode body, Map<String, String> extraHeaders)
            throws IOException {
        byte[] bytes = write(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        extraHeaders.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void stream(HttpExchange exchange, List<Event> events, BedrockReply reply, Map<String, String> extra)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", EVENT_STREAM);
        extra.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        int sent = 0;
        for (Event event : events) {
            byte[] frame = frame(event);
            if (sent == reply.cutAfterEvents()) {
                out.write(frame, 0, frame.length / 2);
                out.flush();
                throw new CutStream();
            }
            out.write(frame);
            out.flush();
            sent++;
            if (!reply.gap().isZero()) {
                try {
                    Thread.sleep(reply.gap().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
    }

    /** One event-stream frame, encoded by the AWS SDK's codec. */
    public static byte[] frame(String eventType, byte[] payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(eventType));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 100);
        new Message(headers, payload).encode(out);
        return out.toByteArray();
    }

    private static byte[] frame(Event event) {
        return frame(event.type(), write(event.payload()));
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (message != null) {
            body.put("message", message);
        }
        byte[] bytes = write(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-ErrorType", code);
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fake-error-" + status);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String requestId(byte[] body) {
        String h = hash(body);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20, 32);
    }

    private static String hash(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
