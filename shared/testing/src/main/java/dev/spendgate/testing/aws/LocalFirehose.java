package dev.spendgate.testing.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * A local Amazon Data Firehose delivery stream (Direct PUT) on 127.0.0.1, speaking the service's JSON protocol
 * ({@code application/x-amz-json-1.1}, {@code X-Amz-Target: Firehose_20150804.PutRecordBatch} and
 * {@code .PutRecord}), for an AWS SDK client built with {@code endpointOverride(endpoint())}. Signatures are not
 * checked.
 *
 * <p>Accepted records wait in the stream's buffer until {@link #deliver()} writes them to the destination store the
 * way the Spendgate stack configures the real stream: the records of each UTC hour of their {@code ts_start}
 * (dynamic partitioning) concatenated and gzipped into one object under
 * {@code usage/v1/year=YYYY/month=MM/day=DD/hour=HH/}, named {@code <stream>-1-<time>-<uuid>.ndjson.gz}; records
 * without a readable {@code ts_start} go under {@link #ERROR_PREFIX}, as the real stream's partitioning failures do.
 *
 * <p>Faults, as the real service shows them: {@link #throttle} answers every call with HTTP 503
 * {@code ServiceUnavailableException}; {@link #failEveryNthRecord} refuses single records inside a successful call
 * ({@code FailedPutCount} and a per-record {@code ErrorCode}); {@link #stop()} / {@link #restart()} take the endpoint
 * away and bring it back on the same port with its buffer.
 */
public final class LocalFirehose implements AutoCloseable {
    /**
     * One {@code PutRecordBatch} or {@code PutRecord} call as received: its records, their data bytes (decoded, what
     * Firehose bills, each record rounded up to 5 KB), the largest record, the HTTP request body's bytes and each
     * record's data bytes in order.
     */
    public record Put(
            String operation,
            int records,
            long recordBytes,
            long largestRecordBytes,
            long requestBytes,
            List<Long> recordSizes) {
        public Put {
            recordSizes = List.copyOf(recordSizes);
        }

        /** The bytes Firehose bills for this call: each record's data rounded up to {@code roundingBytes}. */
        public long billedBytes(long roundingBytes) {
            return recordSizes.stream()
                    .mapToLong(n -> (n + roundingBytes - 1) / roundingBytes * roundingBytes)
                    .sum();
        }
    }

    public static final String ERROR_PREFIX = "usage-errors/processing-failed/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter OBJECT_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);

    private final String streamName;
    private final ObjectStore destination;
    private final Clock clock;
    private final int port;
    private final List<byte[]> buffer = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong recordSeq = new AtomicLong();
    private final List<Put> puts = new CopyOnWriteArrayList<>();
    private volatile boolean throttled;
    private volatile int failEveryNth;
    private HttpServer server;
    private ExecutorService executor;

    private LocalFirehose(String streamName, ObjectStore destination, Clock clock) {
        this.streamName = Objects.requireNonNull(streamName, "streamName");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.port = listen(0);
    }

    /** A stream named {@code streamName} that delivers to {@code destination}; close it when done. */
    public static LocalFirehose start(String streamName, ObjectStore destination) {
        return new LocalFirehose(streamName, destination, Clock.systemUTC());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String streamName() {
        return streamName;
    }

    /** While on, every call is answered HTTP 503 {@code ServiceUnavailableException} ("Slow down."). */
    public void throttle(boolean on) {
        this.throttled = on;
    }

    /** Refuses every {@code n}th record received (counted across calls) with a per-record error; 0 refuses none. */
    public void failEveryNthRecord(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative");
        }
        this.failEveryNth = n;
    }

    /** API calls received (any operation, refused ones included). */
    public int calls() {
        return calls.get();
    }

    /** The put calls received since the start or {@link #resetPuts()}, in order (refused calls included). */
    public List<Put> puts() {
        return List.copyOf(puts);
    }

    public void resetPuts() {
        puts.clear();
    }

    /** Records taken into the buffer so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Records refused so far (per-record errors and records of refused calls). */
    public long refused() {
        return refused.get();
    }

    /** Records waiting in the buffer. */
    public synchronized int buffered() {
        return buffer.size();
    }

    /**
     * Writes the buffer to the destination as the real stream does when its size or time buffer fills; returns the
     * object keys written.
     */
    public synchronized List<String> deliver() {
        Map<String, ByteArrayOutputStream> byPrefix = new LinkedHashMap<>();
        for (byte[] data : buffer) {
            byPrefix.computeIfAbsent(prefix(data), p -> new ByteArrayOutputStream())
                    .writeBytes(data);
        }
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, ByteArrayOutputStream> e : byPrefix.entrySet()) {
            String key = e.getKey() + streamName + "-1-" + OBJECT_TIME.format(clock.instant()) + "-" + UUID.randomUUID()
                    + ".ndjson.gz";
            destination.put(key, gzip(e.getValue().toByteArray()));
            keys.add(key);
        }
        buffer.clear();
        return keys;
    }

    /** Takes the endpoint away: connections are refused until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    /** Brings the endpoint back on the same port, with the records it had buffered. */
    public synchronized void restart() {
        if (server == null) {
            listen(port);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The partition the stack's dynamic partitioning gives a record: the hour of its {@code ts_start}. */
    private static String prefix(byte[] data) {
        try {
            JsonNode ts = JSON.readTree(data).get("ts_start");
            return UsageLayout.hourPrefix(Instant.parse(ts.asText()));
        } catch (IOException | RuntimeException e) {
            return ERROR_PREFIX;
        }
    }

    private synchronized int listen(int onPort) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("local Firehose could not listen on port " + onPort, e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-firehose");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            calls.incrementAndGet();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            JsonNode body = JSON.readTree(requestBody);
            String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
            if (!operation.equals("PutRecordBatch") && !operation.equals("PutRecord")) {
                error(exchange, 400, "InvalidArgumentException", "operation not served here: " + target);
                return;
            }
            if (!streamName.equals(body.path("DeliveryStreamName").asText())) {
                error(
                        exchange,
                        400,
                        "ResourceNotFoundException",
                        "Firehose stream " + body.path("DeliveryStreamName").asText() + " not found.");
                return;
            }
            List<byte[]> records = new ArrayList<>();
            if (operation.equals("PutRecord")) {
                records.add(Base64.getDecoder()
                        .decode(body.path("Record").path("Data").asText()));
            } else {
                for (JsonNode r : body.path("Records")) {
                    records.add(Base64.getDecoder().decode(r.path("Data").asText()));
                }
            }
            puts.add(new Put(
                    operation,
                    records.size(),
                    records.stream().mapToLong(r -> r.length).sum(),
                    records.stream().mapToLong(r -> r.length).max().orElse(0),
                    requestBody.length,
                    records.stream().map(r -> (long) r.length).toList()));
            if (throttled) {
                refused.addAndGet(records.size());
                error(exchange, 503, "ServiceUnavailableException", "Slow down.");
                return;
            }
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode results = JSON.createArrayNode();
            int failed = 0;
            for (byte[] data : records) {
                long seq = recordSeq.incrementAndGet();
                ObjectNode result = results.addObject();
                int n = failEveryNth;
                if (n > 0 && seq % n == 0) {
                    failed++;
                    refused.incrementAndGet();
                    result.put("ErrorCode", "ServiceUnavailableException");
                    result.put("ErrorMessage", "Slow down.");
                } else {
                    synchronized (this) {
                        buffer.add(data);
                    }
                    accepted.incrementAndGet();
                    result.put("RecordId", Long.toHexString(seq) + "-" + UUID.randomUUID());
                }
            }
            if (operation.equals("PutRecord")) {
                if (failed > 0) {
                    error(exchange, 503, "ServiceUnavailableException", "Slow down.");
                    return;
                }
                answer.put("RecordId", results.get(0).path("RecordId").asText());
            } else {
                answer.put("FailedPutCount", failed);
                answer.set("RequestResponses", results);
            }
            answer.put("Encrypted", false);
            respond(exchange, 200, JSON.writeValueAsBytes(answer), null);
        } finally {
            exchange.close();
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("__type", type).put("message", message);
        respond(exchange, status, JSON.writeValueAsBytes(body), type);
    }

    private static void respond(HttpExchange exchange, int status, byte[] body, String errorType) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] gzip(byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public String toString() {
        return "LocalFirehose[" + streamName + " at " + endpoint() + "]";
    }
}
