package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server that speaks the OpenAI ({@code /v1/chat/completions}, {@code /v1/responses},
 * {@code /v1/embeddings}) and Anthropic ({@code /v1/messages}) wire formats, streaming included, so the gateway can be
 * tested without reaching a provider. Answers are shaped by a {@link Behavior}: the next {@link #enqueue queued} one,
 * else the {@link #setDefaultBehavior default}. Every request except {@code GET /health} is recorded.
 *
 * <p>A queued behavior is taken by the next model request that passes authentication and JSON validation; requests
 * rejected with 401/400 by the fake itself do not consume one.
 */
public final class FakeLlmUpstream implements AutoCloseable {

    /** Provider keys the fake accepts, worker thread count and how many requests to keep (oldest dropped). */
    public record Options(String openAiKey, String anthropicKey, int threads, int recordLimit) {

        public static final String DEFAULT_OPENAI_KEY = "sk-fake-openai";
        public static final String DEFAULT_ANTHROPIC_KEY = "sk-ant-fake";

        public Options {
            requireText(openAiKey, "openAiKey");
            requireText(anthropicKey, "anthropicKey");
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, was " + threads);
            }
            if (recordLimit < 0) {
                throw new IllegalArgumentException("recordLimit must not be negative, was " + recordLimit);
            }
        }

        /** Default keys, 128 worker threads, the last 10,000 requests recorded. */
        public static Options defaults() {
            return new Options(DEFAULT_OPENAI_KEY, DEFAULT_ANTHROPIC_KEY, 128, 10_000);
        }

        public Options withOpenAiKey(String value) {
            return new Options(value, anthropicKey, threads, recordLimit);
        }

        public Options withAnthropicKey(String value) {
            return new Options(openAiKey, value, threads, recordLimit);
        }

        public Options withThreads(int value) {
            return new Options(openAiKey, anthropicKey, value, recordLimit);
        }

        /** 0 turns recording off (useful for long benchmarks); {@link #requestCount()} still counts. */
        public Options withRecordLimit(int value) {
            return new Options(openAiKey, anthropicKey, threads, value);
        }
    }

    private static final String ANTHROPIC_VERSION_HEADER = "anthropic-version";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";
    private static final Duration TRUNCATION_LINGER = Duration.ofMillis(50);
    private static final String JSON_TYPE = "application/json";
    private static final String SSE_TYPE = "text/event-stream; charset=utf-8";
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private enum Provider {
        OPENAI,
        ANTHROPIC
    }

    private enum Endpoint {
        CHAT_COMPLETIONS(Provider.OPENAI),
        RESPONSES(Provider.OPENAI),
        EMBEDDINGS(Provider.OPENAI),
        MESSAGES(Provider.ANTHROPIC);

        final Provider provider;

        Endpoint(Provider provider) {
            this.provider = provider;
        }

        static Endpoint of(String path) {
            return switch (path) {
                case "/v1/chat/completions" -> CHAT_COMPLETIONS;
                case "/v1/responses" -> RESPONSES;
                case "/v1/embeddings" -> EMBEDDINGS;
                case "/v1/messages" -> MESSAGES;
                default -> null;
            };
        }
    }

    /** Thrown inside a handler to make the JDK server close the socket without finishing the response. */
    private static final class AbortConnection extends IOException {
        private static final long serialVersionUID = 1L;

        AbortConnection() {
            super("fake upstream dropped the connection on purpose");
        }
    }

    private final Options options;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final URI baseUri;
    private final ConcurrentLinkedQueue<Behavior> queued = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<RecordedRequest> recorded = new ArrayDeque<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private volatile Behavior defaultBehavior = Behavior.defaults();
    private volatile AnswerTimes answerTimes;

    /** When the dispatcher handed the worker thread its request, while {@link #answerTimes} is set. */
    private static final ThreadLocal<Long> DISPATCHED = new ThreadLocal<>();

    /** When the fake handled each request, for benchmarks that line its answers up with a client's waits. */
    @FunctionalInterface
    public interface AnswerTimes {
        /**
         * {@code requestHeaders} are the request's; {@code clientPort} is the client's end of the connection; {@code dispatchedNanos} when the JDK server's
         * dispatcher thread saw the request arrive and handed it to a worker thread, {@code beganNanos} when the
         * handler got it (read and parsed), {@code answeredNanos} after the answer was written and closed ({@link
         * System#nanoTime()}, comparable with other JVMs' on Linux).
         */
        void answered(
                com.sun.net.httpserver.Headers requestHeaders,
                int clientPort,
                long dispatchedNanos,
                long beganNanos,
                long answeredNanos);
    }

    /** Times every later answer ({@code null}: stop); called on the handler's thread. */
    public void timeAnswers(AnswerTimes times) {
        this.answerTimes = times;
    }

    private FakeLlmUpstream(Options options) throws IOException {
        this.options = options;
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                options.threads(), options.threads(), 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "fake-llm-upstream-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.executor.allowCoreThreadTimeOut(true);
        enableTcpNoDelay();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        this.server = HttpServer.create(new InetSocketAddress(loopback, 0), 1024);
        this.server.setExecutor(task -> {
            if (answerTimes == null) {
                executor.execute(task);
                return;
            }
            long dispatched = System.nanoTime();
            executor.execute(() -> {
                DISPATCHED.set(dispatched);
                task.run();
            });
        });
        this.server.createContext("/", this::handle);
        this.server.start();
        this.baseUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * The JDK server writes the status line and headers, then the body, as separate small packets; without
     * TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add ~40 ms to every response on a kept-alive
     * connection, which caps a 64-connection benchmark at about 1,500 requests/s. The JDK server reads this property
     * once, when the first {@code HttpServer} of the JVM is created, so it only helps if nothing created one earlier;
     * an explicit {@code -Dsun.net.httpserver.nodelay=...} is left alone.
     */
    private static void enableTcpNoDelay() {
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
    }

    /** Starts a fake upstream on an ephemeral loopback port with {@link Options#defaults()}. */
    public static FakeLlmUpstream start() {
        return start(Options.defaults());
    }

    public static FakeLlmUpstream start(Options options) {
        Objects.requireNonNull(options, "options must not be null (use Options.defaults())");
        try {
            return new FakeLlmUpstream(options);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the fake LLM upstream", e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public URI baseUri() {
        return baseUri;
    }

    public int port() {
        return baseUri.getPort();
    }

    /** Base URL in the OpenAI convention: {@code http://127.0.0.1:PORT/v1}. */
    public String openAiBaseUrl() {
        return baseUri + "/v1";
    }

    /** Base URL in the Anthropic convention (the SDK appends {@code /v1/messages}). */
    public String anthropicBaseUrl() {
        return baseUri.toString();
    }

    public Options options() {
        return options;
    }

    public String openAiKey() {
        return options.openAiKey();
    }

    public String anthropicKey() {
        return options.anthropicKey();
    }

    /** Behavior for requests when nothing is queued. */
    public void setDefaultBehavior(Behavior behavior) {
        this.defaultBehavior = Objects.requireNonNull(behavior, "behavior must not be null (use Behavior.defaults())");
    }

    public Behavior defaultBehavior() {
        return defaultBehavior;
    }

    /** Queues a behavior for the next model request (FIFO); once the queue is empty the default applies again. */
    public void enqueue(Behavior behavior) {
        queued.add(Objects.requireNonNull(behavior, "behavior must not be null"));
    }

    public int queuedBehaviors() {
        return queued.size();
    }

    /** Clears the queue and the recorded requests and restores {@link Behavior#defaults()}. */
    public void reset() {
        queued.clear();
        defaultBehavior = Behavior.defaults();
        synchronized (recorded) {
            recorded.clear();
            requestCount.set(0);
        }
    }

    /** Recorded requests, oldest first (at most {@link Options#recordLimit()}). */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** Number of requests received since start or the last {@link #reset()}, {@code /health} excluded. */
    public int requestCount() {
        return requestCount.get();
    }

    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("the fake upstream has not recorded any request yet");
            }
            return recorded.peekLast();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- request handling -----------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        long startNanos = System.nanoTime();
        try {
            dispatch(exchange, startNanos);
        } catch (RuntimeException e) {
            // A bug in the fake: answer 500 with the cause if nothing was sent yet, else drop the connection.
            if (exchange.getResponseCode() == -1) {
                byte[] body = MAPPER.writeValueAsBytes(
                        OpenAiWire.error("fake upstream failed: " + e, "server_error", null, null));
                exchange.getResponseHeaders().set("Content-Type", JSON_TYPE);
                exchange.sendResponseHeaders(500, body.length);
                exchange.getResponseBody().write(body);
            } else {
                throw e;
            }
        }
        // Not reached when a handler throws (AbortConnection or a broken client socket): the JDK server then closes
        // the socket without finishing the response, which is how truncation is simulated.
        exchange.close();
        AnswerTimes times = answerTimes;
        if (times != null) {
            Long dispatched = DISPATCHED.get();
            times.answered(
                    exchange.getRequestHeaders(),
                    exchange.getRemoteAddress().getPort(),
                    dispatched == null ? 0 : dispatched,
                    startNanos,
                    System.nanoTime());
        }
    }

    private void dispatch(HttpExchange exchange, long startNanos) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (path.equals("/health")) {
            byte[] ok = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", JSON_TYPE);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            return;
        }
        record(exchange, method, path, body);
        Endpoint endpoint = Endpoint.of(path);
        Provider provider = endpoint != null
                ? endpoint.provider
                : (path.startsWith("/v1/messages") ? Provider.ANTHROPIC : Provider.OPENAI);
        String requestId = requestId(provider);
        if (endpoint == null) {
            reject(
                    exchange,
                    provider,
                    requestId,
                    404,
                    "Invalid URL (" + method + " " + path + ")",
                    null,
                    null,
                    startNanos);
            return;
        }
        if (!method.equals("POST")) {
            reject(exchange, provider, requestId, 405, "Method " + method + " not allowed", null, null, startNanos);
            return;
        }
        if (!authenticate(exchange, endpoint, requestId, startNanos)) {
            return;
        }
        JsonNode request = parse(body);
        if (request == null) {
            String message = provider == Provider.OPENAI
                    ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using"
                            + " your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent"
                            + " was not valid JSON.)"
                    : "There was an issue with the request body: invalid JSON.";
            reject(exchange, provider, requestId, 400, message, null, null, startNanos);
            return;
        }
        JsonNode modelNode = request.path("model");
        if (!modelNode.isTextual() || modelNode.asText().isBlank()) {
            String message =
                    provider == Provider.OPENAI ? "you must provide a model parameter" : "model: Field required";
            reject(exchange, provider, requestId, 400, message, "model", null, startNanos);
            return;
        }
        Behavior behavior = promptCache(endpoint, request, nextBehavior());
        String model = behavior.servedModel() != null ? behavior.servedModel() : modelNode.asText();
        Call call = new Call(request, body.length, model, Instant.now().getEpochSecond(), behavior);
        sleep(behavior.firstByteDelay());
        if (behavior.isError()) {
            byte[] errorBody = behavior.errorBody() != null
                    ? behavior.errorBody().getBytes(StandardCharsets.UTF_8)
                    : MAPPER.writeValueAsBytes(
                            provider == Provider.OPENAI
                                    ? OpenAiWire.defaultError(behavior.status())
                                    : AnthropicWire.defaultError(behavior.status(), requestId));
            setProviderHeaders(exchange, provider, requestId, JSON_TYPE, behavior, startNanos);
            send(exchange, behavior.status(), errorBody, behavior);
            return;
        }
        boolean stream =
                endpoint != Endpoint.EMBEDDINGS && request.path("stream").asBoolean(false);
        switch (endpoint) {
            case CHAT_COMPLETIONS -> {
                if (stream) {
                    streamChat(exchange, call, requestId, startNanos);
                } else {
                    ObjectNode completion = OpenAiWire.chatCompletion(call, "chatcmpl-" + base62(29));
                    sendModelJson(exchange, provider, requestId, call, completion, startNanos);
                }
            }
            case RESPONSES -> {
                if (stream) {
                    streamResponses(exchange, call, requestId, startNanos);
                } else {
                    ObjectNode response = OpenAiWire.response(call, "resp_" + hex(48), "msg_" + hex(48), true);
                    sendModelJson(exchange, provider, requestId, call, response, startNanos);
                }
            }
            case EMBEDDINGS ->
                sendModelJson(exchange, provider, requestId, call, OpenAiWire.embeddings(call), startNanos);
            case MESSAGES -> {
                if (stream) {
                    streamMessages(exchange, call, requestId, startNanos);
                } else {
                    ObjectNode message = AnthropicWire.message(call, "msg_01" + base62(22), false);
                    sendModelJson(exchange, provider, requestId, call, message, startNanos);
                }
            }
        }
    }

    /** Prefixes written to the emulated Anthropic prompt cache (the text up to a cache_control mark). */
    private final java.util.Set<String> promptCache = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Anthropic prompt caching as the API bills it, for a request that marks a block with {@code cache_control} and
     * a behavior that sets no cache figures itself: the tools and system text up to the mark (a token per 4
     * characters) are written on first sight and read on every later request with the same prefix.
     */
    private Behavior promptCache(Endpoint endpoint, JsonNode request, Behavior behavior) {
        if (endpoint != Endpoint.MESSAGES
                || behavior.cachedTokens() > 0
                || behavior.cacheWrite5mTokens() + behavior.cacheWrite1hTokens() > 0
                || request.findValue("cache_control") == null) {
            return behavior;
        }
        StringBuilder prefix = new StringBuilder(request.path("model").asText()).append('\n');
        JsonNode mark = null;
        for (JsonNode tool : request.path("tools")) {
            prefix.append(tool.toString());
            mark = tool.has("cache_control") ? tool.get("cache_control") : mark;
        }
        JsonNode system = request.path("system");
        for (JsonNode block : system.isArray() ? system : java.util.List.<JsonNode>of()) {
            prefix.append(block.path("text").asText());
            if (block.has("cache_control")) {
                mark = block.get("cache_control");
                break;
            }
        }
        if (mark == null) {
            return behavior;
        }
        int tokens = Math.max(1, prefix.length() / 4);
        if (!promptCache.add(prefix.toString())) {
            return behavior.withCachedTokens(tokens);
        }
        return "1h".equals(mark.path("ttl").asText())
                ? behavior.withCacheWrite1hTokens(tokens)
                : behavior.withCacheWrite5mTokens(tokens);
    }

    private boolean authenticate(HttpExchange exchange, Endpoint endpoint, String requestId, long startNanos)
            throws IOException {
        var headers = exchange.getRequestHeaders();
        if (endpoint.provider == Provider.OPENAI) {
            String authorization = headers.getFirst("Authorization");
            if (authorization == null || authorization.isBlank()) {
                String message = "You didn't provide an API key. You need to provide your API key in an Authorization"
                        + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
                reject(exchange, Provider.OPENAI, requestId, 401, message, null, null, startNanos);
                return false;
            }
            boolean bearer = authorization.regionMatches(true, 0, "Bearer ", 0, 7);
            String key = bearer ? authorization.substring(7).trim() : "";
            if (!key.equals(options.openAiKey())) {
                String message = "Incorrect API key provided: " + mask(key) + ".";
                reject(exchange, Provider.OPENAI, requestId, 401, message, null, "invalid_api_key", startNanos);
                return false;
            }
            return true;
        }
        String key = headers.getFirst("x-api-key");
        if (key == null || !key.equals(options.anthropicKey())) {
            String message = key == null ? "x-api-key header is required" : "invalid x-api-key";
            reject(exchange, Provider.ANTHROPIC, requestId, 401, message, null, null, startNanos);
            return false;
        }
        String version = headers.getFirst(ANTHROPIC_VERSION_HEADER);
        if (version == null || version.isBlank()) {
            String message = ANTHROPIC_VERSION_HEADER + ": header is required";
            reject(exchange, Provider.ANTHROPIC, requestId, 400, message, null, null, startNanos);
            return false;
        }
        return true;
    }

    private Behavior nextBehavior() {
        Behavior next = queued.poll();
        return next != null ? next : defaultBehavior;
    }

    private void record(HttpExchange exchange, String method, String path, byte[] body) {
        RecordedRequest request = options.recordLimit() == 0
                ? null
                : new RecordedRequest(
                        method,
                        path,
                        exchange.getRequestURI().getRawQuery(),
                        exchange.getRequestHeaders(),
                        body,
                        Instant.now());
        synchronized (recorded) {
            requestCount.incrementAndGet();
            if (request != null) {
                if (recorded.size() == options.recordLimit()) {
                    recorded.pollFirst();
                }
                recorded.addLast(request);
            }
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---- streams --------------------------------------------------------------------------------------------

    private void streamChat(HttpExchange exchange, Call call, String requestId, long startNanos) throws IOException {
        boolean includeUsage =
                call.request().path("stream_options").path("include_usage").booleanValue();
        String id = "chatcmpl-" + base62(29);
        OutputStream out = openStream(exchange, Provider.OPENAI, requestId, call.behavior(), startNanos);
        writeData(out, OpenAiWire.chatChunk(call, id, OpenAiWire.roleDelta(), null, includeUsage));
        streamPieces(
                call.behavior(),
                piece -> writeData(
                        out, OpenAiWire.chatChunk(call, id, OpenAiWire.contentDelta(piece), null, includeUsage)));
        writeData(out, OpenAiWire.chatChunk(call, id, OpenAiWire.emptyDelta(), "stop", includeUsage));
        if (includeUsage) {
            ObjectNode usageChunk = OpenAiWire.chatChunk(call, id, null, null, false);
            usageChunk.set("usage", OpenAiWire.chatUsage(call));
            writeData(out, usageChunk);
        }
        out.write(DONE);
        out.flush();
    }

    private void streamResponses(HttpExchange exchange, Call call, String requestId, long startNanos)
            throws IOException {
        String id = "resp_" + hex(48);
        String itemId = "msg_" + hex(48);
        String text = call.text();
        int[] sequence = {0};
        OutputStream out = openStream(exchange, Provider.OPENAI, requestId, call.behavior(), startNanos);

        ObjectNode created = OpenAiWire.responseEvent("response.created", sequence[0]++);
        created.set("response", OpenAiWire.response(call, id, itemId, false));
        writeEvent(out, created);
        ObjectNode inProgress = OpenAiWire.responseEvent("response.in_progress", sequence[0]++);
        inProgress.set("response", OpenAiWire.response(call, id, itemId, false));
        writeEvent(out, inProgress);
        ObjectNode itemAdded = OpenAiWire.responseEvent("response.output_item.added", sequence[0]++);
        itemAdded.put("output_index", 0);
        itemAdded.set("item", OpenAiWire.responseMessage(itemId, "", false));
        writeEvent(out, itemAdded);
        ObjectNode partAdded = OpenAiWire.responseEvent("response.content_part.added", sequence[0]++);
        partAdded.put("item_id", itemId);
        partAdded.put("output_index", 0);
        partAdded.put("content_index", 0);
        partAdded.set("part", OpenAiWire.outputText(""));
        writeEvent(out, partAdded);

        streamPieces(call.behavior(), piece -> {
            ObjectNode delta = OpenAiWire.responseEvent("response.output_text.delta", sequence[0]++);
            delta.put("item_id", itemId);
            delta.put("output_index", 0);
            delta.put("content_index", 0);
            delta.put("delta", piece);
            delta.putArray("logprobs");
            writeEvent(out, delta);
        });

        ObjectNode textDone = OpenAiWire.responseEvent("response.output_text.done", sequence[0]++);
        textDone.put("item_id", itemId);
        textDone.put("output_index", 0);
        textDone.put("content_index", 0);
        textDone.put("text", text);
        textDone.putArray("logprobs");
        writeEvent(out, textDone);
        ObjectNode partDone = OpenAiWire.responseEvent("response.content_part.done", sequence[0]++);
        partDone.put("item_id", itemId);
        partDone.put("output_index", 0);
        partDone.put("content_index", 0);
        partDone.set("part", OpenAiWire.outputText(text));
        writeEvent(out, partDone);
        ObjectNode itemDone = OpenAiWire.responseEvent("response.output_item.done", sequence[0]++);
        itemDone.put("output_index", 0);
        itemDone.set("item", OpenAiWire.responseMessage(itemId, text, true));
        writeEvent(out, itemDone);
        ObjectNode completed = OpenAiWire.responseEvent("response.completed", sequence[0]++);
        completed.set("response", OpenAiWire.response(call, id, itemId, true));
        writeEvent(out, completed);
    }

    private void streamMessages(HttpExchange exchange, Call call, String requestId, long startNanos)
            throws IOException {
        OutputStream out = openStream(exchange, Provider.ANTHROPIC, requestId, call.behavior(), startNanos);
        writeEvent(out, AnthropicWire.messageStart(call, "msg_01" + base62(22)));
        writeEvent(out, AnthropicWire.contentBlockStart());
        writeEvent(out, AnthropicWire.ping());
        streamPieces(call.behavior(), piece -> writeEvent(out, AnthropicWire.textDelta(piece)));
        writeEvent(out, AnthropicWire.contentBlockStop());
        writeEvent(out, AnthropicWire.messageDelta(call));
        writeEvent(out, AnthropicWire.messageStop());
    }

    @FunctionalInterface
    private interface PieceWriter {
        void write(String piece) throws IOException;
    }

    /** Writes the content deltas with {@code pieceDelay} between them; drops the connection when truncating. */
    private static void streamPieces(Behavior behavior, PieceWriter writer) throws IOException {
        List<String> pieces = behavior.pieces();
        Integer truncate = behavior.truncateAfterPieces();
        int limit = truncate == null ? pieces.size() : Math.min(truncate, pieces.size());
        for (int i = 0; i < limit; i++) {
            if (i > 0) {
                sleep(behavior.pieceDelay());
            }
            writer.write(pieces.get(i));
        }
        if (truncate != null) {
            throw dropConnection();
        }
    }

    /**
     * Waits {@link #TRUNCATION_LINGER} so the client reads what was already sent (some readers, such as the JDK
     * client's {@code ofInputStream()}, discard buffered bytes once the connection fails), then returns the exception
     * that makes the JDK server close the socket mid-response.
     */
    private static AbortConnection dropConnection() throws IOException {
        sleep(TRUNCATION_LINGER);
        return new AbortConnection();
    }

    private OutputStream openStream(
            HttpExchange exchange, Provider provider, String requestId, Behavior behavior, long startNanos)
            throws IOException {
        setProviderHeaders(exchange, provider, requestId, SSE_TYPE, behavior, startNanos);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(behavior.status(), 0);
        return exchange.getResponseBody();
    }

    /** {@code data: {...}} (Chat Completions style, no event name). */
    private static void writeData(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(("data: " + MAPPER.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** {@code event: <type>} then {@code data: {...}} (Responses and Anthropic style). */
    private static void writeEvent(OutputStream out, ObjectNode event) throws IOException {
        String frame = "event: " + event.get("type").asText() + "\ndata: " + MAPPER.writeValueAsString(event) + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- plain responses ------------------------------------------------------------------------------------

    private void sendModelJson(
            HttpExchange exchange, Provider provider, String requestId, Call call, ObjectNode body, long startNanos)
            throws IOException {
        setProviderHeaders(exchange, provider, requestId, JSON_TYPE, call.behavior(), startNanos);
        send(exchange, call.behavior().status(), MAPPER.writeValueAsBytes(body), call.behavior());
    }

    /** An error produced by the fake itself (auth, routing, validation), in the provider's error shape. */
    private void reject(
            HttpExchange exchange,
            Provider provider,
            String requestId,
            int status,
            String message,
            String param,
            String code,
            long startNanos)
            throws IOException {
        ObjectNode body = provider == Provider.OPENAI
                ? OpenAiWire.error(message, "invalid_request_error", param, code)
                : AnthropicWire.error(anthropicErrorType(status), message, requestId);
        Behavior plain = Behavior.defaults();
        setProviderHeaders(exchange, provider, requestId, JSON_TYPE, plain, startNanos);
        send(exchange, status, MAPPER.writeValueAsBytes(body), plain);
    }

    private static String anthropicErrorType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            default -> "invalid_request_error";
        };
    }

    /** Sends a fixed-length body; when the behavior truncates, only half of it goes out before the socket drops. */
    private static void send(HttpExchange exchange, int status, byte[] body, Behavior behavior) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        OutputStream out = exchange.getResponseBody();
        if (behavior.truncateAfterPieces() != null && body.length > 1) {
            out.write(body, 0, body.length / 2);
            out.flush();
            throw dropConnection();
        }
        out.write(body);
    }

    private static void setProviderHeaders(
            HttpExchange exchange,
            Provider provider,
            String requestId,
            String contentType,
            Behavior behavior,
            long startNanos) {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", contentType);
        if (provider == Provider.OPENAI) {
            headers.set("x-request-id", requestId);
            headers.set("openai-processing-ms", Long.toString(elapsedMillis(startNanos)));
            headers.set("openai-version", "2020-10-01");
            headers.set("x-ratelimit-limit-requests", "10000");
            headers.set("x-ratelimit-remaining-requests", "9999");
        } else {
            headers.set("request-id", requestId);
            headers.set("anthropic-ratelimit-requests-limit", "4000");
            headers.set("anthropic-ratelimit-requests-remaining", "3999");
        }
        behavior.headers().forEach(headers::set);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static void sleep(Duration duration) throws IOException {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AbortConnection();
        }
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static String requestId(Provider provider) {
        return provider == Provider.OPENAI ? "req_" + hex(32) : "req_011C" + base62(20);
    }

    private static String base62(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(chars);
    }

    private static String hex(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = HEX[random.nextInt(HEX.length)];
        }
        return new String(chars);
    }

    private static String mask(String key) {
        if (key.length() <= 8) {
            return "****";
        }
        return key.substring(0, 3) + "*".repeat(4) + key.substring(key.length() - 4);
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
