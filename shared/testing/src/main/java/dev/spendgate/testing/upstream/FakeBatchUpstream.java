package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local server speaking the providers' batch APIs in their wire formats: OpenAI {@code /v1/files} (multipart upload,
 * retrieve, list, content) and {@code /v1/batches} (create, retrieve, list, cancel), Anthropic {@code /v1/messages/batches}
 * (create, retrieve, list, cancel, results as JSONL). Batches stay in progress until a test {@linkplain
 * #completeOpenAi completes} them with the token counts each request used; a request whose {@code custom_id} starts
 * with {@code fail} fails (OpenAI: status 400 line; Anthropic: {@code errored}).
 */
public final class FakeBatchUpstream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String openAiKey;
    private final String anthropicKey;
    private final Map<String, ObjectNode> files = new ConcurrentHashMap<>();
    private final Map<String, byte[]> fileContent = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> openAiBatches = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> anthropicBatches = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> anthropicRequests = new ConcurrentHashMap<>();
    private final Map<String, byte[]> anthropicResults = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger contentFetches = new AtomicInteger();

    private FakeBatchUpstream(String openAiKey, String anthropicKey) {
        this.openAiKey = openAiKey;
        this.anthropicKey = anthropicKey;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
    }

    /** With {@link FakeLlmUpstream}'s default provider keys. */
    public static FakeBatchUpstream start() {
        return new FakeBatchUpstream(
                FakeLlmUpstream.Options.DEFAULT_OPENAI_KEY, FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY);
    }

    /** The OpenAI base URL (ends in {@code /v1}). */
    public String openAiBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public String anthropicBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** How many times result bytes were served (OpenAI file content and Anthropic results). */
    public int resultFetches() {
        return contentFetches.get();
    }

    /**
     * Completes an OpenAI batch: one output line per input line, each request having used {@code inputTokens}
     * ({@code cachedTokens} of them cached) and {@code outputTokens}.
     */
    public void completeOpenAi(String batchId, long inputTokens, long cachedTokens, long outputTokens) {
        ObjectNode batch = openAiBatches.get(batchId);
        byte[] input = fileContent.get(batch.path("input_file_id").asText());
        StringBuilder out = new StringBuilder();
        int completed = 0;
        int failed = 0;
        for (String line : new String(input, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode request = read(line.getBytes(StandardCharsets.UTF_8));
            String customId = request.path("custom_id").asText();
            String model = request.path("body").path("model").asText();
            ObjectNode o = JSON.createObjectNode();
            o.put("id", "batch_req_" + ids.incrementAndGet());
            o.put("custom_id", customId);
            ObjectNode response = o.putObject("response");
            response.put("request_id", "req_" + ids.incrementAndGet());
            if (customId.startsWith("fail")) {
                failed++;
                response.put("status_code", 400);
                ObjectNode error = response.putObject("body").putObject("error");
                error.put("message", "Invalid request");
                error.put("type", "invalid_request_error");
            } else {
                completed++;
                response.put("status_code", 200);
                ObjectNode body = response.putObject("body");
                body.put("id", "chatcmpl-" + ids.incrementAndGet());
                body.put("object", "chat.completion");
                body.put("created", Instant.now().getEpochSecond());
                body.put("model", model);
                body.put("service_tier", "default");
                ObjectNode choice = body.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("message").put("role", "assistant").put("content", "done");
                choice.put("finish_reason", "stop");
                ObjectNode usage = body.putObject("usage");
                usage.put("prompt_tokens", inputTokens);
                usage.put("completion_tokens", outputTokens);
                usage.put("total_tokens", inputTokens + outputTokens);
                usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
                usage.putObject("completion_tokens_details").put("reasoning_tokens", 0);
            }
            o.putNull("error");
            out.append(o).append('\n');
        }
        String outputId =
                newFile("batch_output.jsonl", "batch_output", out.toString().getBytes(StandardCharsets.UTF_8));
        long now = Instant.now().getEpochSecond();
        batch.put("status", "completed");
        batch.put("output_file_id", outputId);
        batch.put("finalizing_at", now);
        batch.put("completed_at", now);
        ObjectNode counts = batch.putObject("request_counts");
        counts.put("total", completed + failed);
        counts.put("completed", completed);
        counts.put("failed", failed);
    }

    /**
     * Ends an OpenAI batch as the provider does (platform.openai.com/docs/guides/batch): the first {@code finished}
     * requests (those whose {@code custom_id} does not start with {@code fail}) succeeded and are in the output file;
     * failed requests (status 400) and the requests never run are in the error file ({@code error_file_id}), the
     * latter with error code {@code batch_expired} or {@code batch_cancelled}. {@code status} is {@code completed},
     * {@code expired} or {@code cancelled}; an expired or cancelled batch still names its output file, whose
     * completed requests are billed.
     */
    public void endOpenAi(
            String batchId, String status, int finished, long inputTokens, long cachedTokens, long outputTokens) {
        ObjectNode batch = openAiBatches.get(batchId);
        byte[] input = fileContent.get(batch.path("input_file_id").asText());
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        int completed = 0;
        int failed = 0;
        int index = 0;
        for (String line : new String(input, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode request = read(line.getBytes(StandardCharsets.UTF_8));
            String customId = request.path("custom_id").asText();
            String model = request.path("body").path("model").asText();
            ObjectNode o = JSON.createObjectNode();
            o.put("id", "batch_req_" + ids.incrementAndGet());
            o.put("custom_id", customId);
            if (index++ >= finished) {
                failed++;
                o.putNull("response");
                ObjectNode error = o.putObject("error");
                error.put("code", "expired".equals(status) ? "batch_expired" : "batch_cancelled");
                error.put("message", "This request was not executed before the batch ended.");
                err.append(o).append('\n');
                continue;
            }
            ObjectNode response = o.putObject("response");
            response.put("request_id", "req_" + ids.incrementAndGet());
            if (customId.startsWith("fail")) {
                failed++;
                response.put("status_code", 400);
                ObjectNode error = response.putObject("body").putObject("error");
                error.put("message", "Invalid request");
                error.put("type", "invalid_request_error");
                o.putNull("error");
                err.append(o).append('\n');
                continue;
            }
            completed++;
            response.put("status_code", 200);
            ObjectNode body = response.putObject("body");
            body.put("id", "chatcmpl-" + ids.incrementAndGet());
            body.put("object", "chat.completion");
            body.put("created", Instant.now().getEpochSecond());
            body.put("model", model);
            body.put("service_tier", "default");
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "done");
            choice.put("finish_reason", "stop");
            ObjectNode usage = body.putObject("usage");
            usage.put("prompt_tokens", inputTokens);
            usage.put("completion_tokens", outputTokens);
            usage.put("total_tokens", inputTokens + outputTokens);
            usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
            usage.putObject("completion_tokens_details").put("reasoning_tokens", 0);
            o.putNull("error");
            out.append(o).append('\n');
        }
        long now = Instant.now().getEpochSecond();
        batch.put("status", status);
        if (completed > 0) {
            batch.put(
                    "output_file_id",
                    newFile("batch_output.jsonl", "batch_output", out.toString().getBytes(StandardCharsets.UTF_8)));
        }
        if (failed > 0) {
            batch.put(
                    "error_file_id",
                    newFile("batch_errors.jsonl", "batch_output", err.toString().getBytes(StandardCharsets.UTF_8)));
        }
        batch.put("finalizing_at", now);
        switch (status) {
            case "expired" -> batch.put("expired_at", now);
            case "cancelled" -> batch.put("cancelled_at", now);
            default -> batch.put("completed_at", now);
        }
        ObjectNode counts = batch.putObject("request_counts");
        counts.put("total", completed + failed);
        counts.put("completed", completed);
        counts.put("failed", failed);
    }

    /** Ends an Anthropic Message Batch: each request used these token counts. */
    /** The provider no longer has the OpenAI batch (deleted, or expired with its files): it answers 404 for it. */
    public void forgetOpenAi(String batchId) {
        openAiBatches.remove(batchId);
    }

    public void completeAnthropic(String batchId, long inputTokens, long cacheReadTokens, long outputTokens) {
        ObjectNode batch = anthropicBatches.get(batchId);
        StringBuilder out = new StringBuilder();
        int succeeded = 0;
        int errored = 0;
        for (JsonNode request : anthropicRequests.get(batchId)) {
            String customId = request.path("custom_id").asText();
            ObjectNode line = JSON.createObjectNode();
            line.put("custom_id", customId);
            ObjectNode result = line.putObject("result");
            if (customId.startsWith("fail")) {
                errored++;
                result.put("type", "errored");
                ObjectNode error = result.putObject("error");
                error.put("type", "error");
                error.putObject("error").put("type", "invalid_request_error").put("message", "Invalid request");
            } else {
                succeeded++;
                result.put("type", "succeeded");
                ObjectNode message = result.putObject("message");
                message.put("id", "msg_" + ids.incrementAndGet());
                message.put("type", "message");
                message.put("role", "assistant");
                message.put("model", request.path("params").path("model").asText());
                message.putArray("content").addObject().put("type", "text").put("text", "done");
                message.put("stop_reason", "end_turn");
                message.putNull("stop_sequence");
                ObjectNode usage = message.putObject("usage");
                usage.put("input_tokens", inputTokens);
                usage.put("cache_creation_input_tokens", 0);
                usage.put("cache_read_input_tokens", cacheReadTokens);
                usage.put("output_tokens", outputTokens);
                usage.put("service_tier", "batch");
            }
            out.append(line).append('\n');
        }
        anthropicResults.put(batchId, out.toString().getBytes(StandardCharsets.UTF_8));
        batch.put("processing_status", "ended");
        batch.put("ended_at", Instant.now().toString());
        batch.put("results_url", anthropicBaseUrl() + "/v1/messages/batches/" + batchId + "/results");
        ObjectNode counts = batch.putObject("request_counts");
        counts.put("processing", 0);
        counts.put("succeeded", succeeded);
        counts.put("errored", errored);
        counts.put("canceled", 0);
        counts.put("expired", 0);
    }

    private final java.util.concurrent.atomic.AtomicInteger failing = new java.util.concurrent.atomic.AtomicInteger();

    /** Answers the next {@code requests} requests with 500, as a provider having an outage, then recovers. */
    public void failNext(int requests) {
        failing.set(requests);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod().toUpperCase(Locale.ROOT);
            byte[] body = x.getRequestBody().readAllBytes();
            if (failing.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                openAiError(x, 500, "The server had an error processing your request.", "server_error");
                return;
            }
            String[] s = path.split("/");
            if (path.startsWith("/v1/messages/batches")) {
                if (!anthropicKey.equals(x.getRequestHeaders().getFirst("x-api-key"))) {
                    anthropicError(x, 401, "authentication_error", "invalid x-api-key");
                    return;
                }
                if (x.getRequestHeaders().getFirst("anthropic-version") == null) {
                    anthropicError(x, 400, "invalid_request_error", "anthropic-version: header is required");
                    return;
                }
                anthropic(x, method, s, body);
                return;
            }
            if (!("Bearer " + openAiKey).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                openAiError(x, 401, "Incorrect API key provided.", "invalid_api_key");
                return;
            }
            if (path.startsWith("/v1/files")) {
                files(x, method, s, body);
            } else if (path.startsWith("/v1/batches")) {
                openAiBatches(x, method, s, body);
            } else {
                openAiError(x, 404, "Unknown path " + path, "unknown_url");
            }
        }
    }

    private void files(HttpExchange x, String method, String[] s, byte[] body) throws IOException {
        if (s.length == 3 && method.equals("POST")) {
            Multipart upload = Multipart.parse(x.getRequestHeaders().getFirst("Content-Type"), body);
            if (upload.file == null || upload.purpose == null) {
                openAiError(x, 400, "Missing required parameter: 'file' or 'purpose'.", "invalid_request_error");
                return;
            }
            String id = newFile(upload.filename, upload.purpose, upload.file);
            send(x, 200, "application/json", JSON.writeValueAsBytes(files.get(id)));
        } else if (s.length == 3 && method.equals("GET")) {
            send(x, 200, "application/json", JSON.writeValueAsBytes(list(files.values(), true)));
        } else if (s.length == 4 && method.equals("GET") && files.containsKey(s[3])) {
            send(x, 200, "application/json", JSON.writeValueAsBytes(files.get(s[3])));
        } else if (s.length == 5 && method.equals("GET") && "content".equals(s[4]) && files.containsKey(s[3])) {
            contentFetches.incrementAndGet();
            send(x, 200, "application/octet-stream", fileContent.get(s[3]));
        } else {
            openAiError(x, 404, "No such File object: " + (s.length > 3 ? s[3] : ""), "invalid_request_error");
        }
    }

    private void openAiBatches(HttpExchange x, String method, String[] s, byte[] body) throws IOException {
        if (s.length == 3 && method.equals("POST")) {
            JsonNode request = read(body);
            String fileId = request.path("input_file_id").asText();
            if (!files.containsKey(fileId)) {
                openAiError(x, 400, "Invalid 'input_file_id': '" + fileId + "'.", "invalid_request_error");
                return;
            }
            ObjectNode batch = JSON.createObjectNode();
            String id = "batch_" + ids.incrementAndGet();
            batch.put("id", id);
            batch.put("object", "batch");
            batch.put("endpoint", request.path("endpoint").asText());
            batch.putNull("errors");
            batch.put("input_file_id", fileId);
            batch.put("completion_window", request.path("completion_window").asText("24h"));
            batch.put("status", "validating");
            batch.putNull("output_file_id");
            batch.putNull("error_file_id");
            long now = Instant.now().getEpochSecond();
            batch.put("created_at", now);
            batch.putNull("in_progress_at");
            batch.put("expires_at", now + 86_400);
            batch.putNull("completed_at");
            ObjectNode counts = batch.putObject("request_counts");
            counts.put("total", 0).put("completed", 0).put("failed", 0);
            batch.set("metadata", request.has("metadata") ? request.get("metadata") : JSON.createObjectNode());
            openAiBatches.put(id, batch);
            send(x, 200, "application/json", JSON.writeValueAsBytes(batch));
        } else if (s.length == 3 && method.equals("GET")) {
            send(x, 200, "application/json", JSON.writeValueAsBytes(list(openAiBatches.values(), true)));
        } else if (s.length >= 4 && openAiBatches.containsKey(s[3])) {
            ObjectNode batch = openAiBatches.get(s[3]);
            if (s.length == 5 && "cancel".equals(s[4]) && method.equals("POST")) {
                batch.put("status", "cancelling");
            }
            send(x, 200, "application/json", JSON.writeValueAsBytes(batch));
        } else {
            openAiError(x, 404, "No batch found", "invalid_request_error");
        }
    }

    private void anthropic(HttpExchange x, String method, String[] s, byte[] body) throws IOException {
        if (s.length == 4 && method.equals("POST")) {
            JsonNode request = read(body);
            String id = "msgbatch_" + ids.incrementAndGet();
            ObjectNode batch = JSON.createObjectNode();
            batch.put("id", id);
            batch.put("type", "message_batch");
            batch.put("processing_status", "in_progress");
            ObjectNode counts = batch.putObject("request_counts");
            counts.put("processing", request.path("requests").size());
            counts.put("succeeded", 0).put("errored", 0).put("canceled", 0).put("expired", 0);
            batch.putNull("ended_at");
            batch.put("created_at", Instant.now().toString());
            batch.put("expires_at", Instant.now().plusSeconds(86_400).toString());
            batch.putNull("archived_at");
            batch.putNull("cancel_initiated_at");
            batch.putNull("results_url");
            anthropicBatches.put(id, batch);
            anthropicRequests.put(id, request.path("requests"));
            send(x, 200, "application/json", JSON.writeValueAsBytes(batch));
        } else if (s.length == 4 && method.equals("GET")) {
            send(x, 200, "application/json", JSON.writeValueAsBytes(list(anthropicBatches.values(), false)));
        } else if (s.length >= 5 && anthropicBatches.containsKey(s[4])) {
            ObjectNode batch = anthropicBatches.get(s[4]);
            if (s.length == 6 && "results".equals(s[5])) {
                byte[] results = anthropicResults.get(s[4]);
                if (results == null) {
                    anthropicError(x, 400, "invalid_request_error", "Batch " + s[4] + " has not ended yet.");
                    return;
                }
                contentFetches.incrementAndGet();
                send(x, 200, "application/binary", results);
                return;
            }
            if (s.length == 6 && "cancel".equals(s[5]) && method.equals("POST")) {
                batch.put("processing_status", "canceling");
                batch.put("cancel_initiated_at", Instant.now().toString());
            }
            send(x, 200, "application/json", JSON.writeValueAsBytes(batch));
        } else {
            anthropicError(x, 404, "not_found_error", "No batch found");
        }
    }

    private String newFile(String filename, String purpose, byte[] content) {
        String id = "file-" + ids.incrementAndGet();
        ObjectNode file = JSON.createObjectNode();
        file.put("id", id);
        file.put("object", "file");
        file.put("bytes", content.length);
        file.put("created_at", Instant.now().getEpochSecond());
        file.put("filename", filename);
        file.put("purpose", purpose);
        files.put(id, file);
        fileContent.put(id, content);
        return id;
    }

    private static ObjectNode list(java.util.Collection<ObjectNode> items, boolean openAi) {
        ObjectNode list = JSON.createObjectNode();
        if (openAi) {
            list.put("object", "list");
        }
        ArrayNode data = list.putArray("data");
        items.forEach(data::add);
        List<ObjectNode> all = List.copyOf(items);
        list.put("first_id", all.isEmpty() ? null : all.get(0).path("id").asText());
        list.put(
                "last_id",
                all.isEmpty() ? null : all.get(all.size() - 1).path("id").asText());
        list.put("has_more", false);
        return list;
    }

    private static JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openAiError(HttpExchange x, int status, String message, String code) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode e = error.putObject("error");
        e.put("message", message);
        e.put("type", "invalid_request_error");
        e.putNull("param");
        e.put("code", code);
        send(x, status, "application/json", JSON.writeValueAsBytes(error));
    }

    private static void anthropicError(HttpExchange x, int status, String type, String message) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        error.put("type", "error");
        error.putObject("error").put("type", type).put("message", message);
        send(x, status, "application/json", JSON.writeValueAsBytes(error));
    }

    private static void send(HttpExchange x, int status, String contentType, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", contentType);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** The {@code purpose} and {@code file} parts of a {@code multipart/form-data} upload. */
    private static final class Multipart {
        String purpose;
        String filename = "upload.jsonl";
        byte[] file;

        static Multipart parse(String contentType, byte[] body) {
            Multipart m = new Multipart();
            if (contentType == null || !contentType.contains("boundary=")) {
                return m;
            }
            String boundary =
                    contentType.substring(contentType.indexOf("boundary=") + 9).replace("\"", "");
            String text = new String(body, StandardCharsets.ISO_8859_1);
            String delimiter = "--" + boundary;
            int at = text.indexOf(delimiter);
            while (at >= 0 && !text.startsWith("--", at + delimiter.length())) {
                int headersEnd = text.indexOf("\r\n\r\n", at);
                int next = text.indexOf("\r\n" + delimiter, headersEnd);
                if (headersEnd < 0 || next < 0) {
                    break;
                }
                String headers = text.substring(at, headersEnd);
                if (headers.contains("name=\"purpose\"")) {
                    m.purpose = text.substring(headersEnd + 4, next).trim();
                } else if (headers.contains("name=\"file\"")) {
                    m.file = Arrays.copyOfRange(body, headersEnd + 4, next);
                    int f = headers.indexOf("filename=\"");
                    if (f >= 0) {
                        m.filename = headers.substring(f + 10, headers.indexOf('"', f + 10));
                    }
                }
                at = next + 2;
            }
            return m;
        }
    }
}
