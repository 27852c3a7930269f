package dev.spendgate.function.proxy.outcome;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.pipeline.KeyCheck;
import dev.spendgate.function.proxy.pipeline.Refusal;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code POST /v1/outcomes}: records that a session or a request produced a business outcome, so the monthly report
 * can show cost per outcome. Authenticated with the Spendgate key like LLM calls. Body:
 *
 * <pre>{@code {"session": "s-42", "outcome": "ticket_resolved", "count": 1}}</pre>
 *
 * or {@code "request_id"} instead of {@code "session"}; {@code count} defaults to 1. Answers 201 with the stored
 * outcome, 400 naming the bad field ({@code param}), 401 for a missing or revoked key, 503 when the store fails. With
 * an {@code Idempotency-Key} header, a second POST with the same key (a retry) answers 200 and stores nothing; the
 * same key with another outcome answers 422.
 * Outcomes are stored durably, one object each, by {@link OutcomeLog}.
 */
public final class OutcomesApi {
    public static final String PATH = "/v1/outcomes";
    /** A client's key for one outcome: a retry with the same key is answered 200 and not counted again. */
    public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    /** The fields an outcome body may carry; any other is refused naming it. */
    static final java.util.List<String> FIELDS = java.util.List.of("session", "request_id", "outcome", "count");

    private static final int MAX_BODY_BYTES = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final KeyCheck keys;
    private final OutcomeLog log;
    private final Clock clock;

    public OutcomesApi(KeyStore keys, ObjectStore store, Clock clock) {
        this.keys = new KeyCheck(keys);
        this.log = OutcomeLog.create(store);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether the request is for this API (query strings ignored). */
    public static boolean handles(String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        return p.equals(PATH) || p.equals(PATH + "/");
    }

    /** Serves one request; never throws for anything the client did. */
    public void handle(GatewayRequest request, ResponseSink sink) {
        try {
            serve(request, sink);
        } catch (IOException e) {
            // the client left
        }
    }

    private void serve(GatewayRequest request, ResponseSink sink) throws IOException {
        if (!"POST".equalsIgnoreCase(request.method())) {
            error(sink, 405, "invalid_request_error", "Use POST on " + PATH + ".", "method");
            return;
        }
        KeyCheck.Result caller = keys.check(request.headers());
        Optional<Refusal> unauthenticated = caller.refusal(
                "Missing Spendgate key: send it as 'Authorization: Bearer sg-...' or 'x-api-key: sg-...'.");
        if (unauthenticated.isPresent()) {
            Refusal r = unauthenticated.get();
            error(sink, r.status(), r.type(), r.message(), r.param());
            return;
        }
        ProxyKey key = caller.valid().orElseThrow();
        if (request.body().length > MAX_BODY_BYTES) {
            error(sink, 413, "invalid_request_error", "The body is larger than " + MAX_BODY_BYTES + " bytes.", null);
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            error(sink, 400, "invalid_request_error", "The body must be a JSON object.", "body");
            return;
        }
        java.util.Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                // a misspelled count ("Count", "quantity") must not be stored as one outcome
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        "Unknown field '" + field + "': an outcome takes " + String.join(", ", FIELDS)
                                + "; nothing was stored.",
                        field);
                return;
            }
        }
        String session = text(body, "session");
        String requestId = text(body, "request_id");
        if (session == null && requestId == null) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "Name the session or the request_id that the outcome belongs to.",
                    "session");
            return;
        }
        if (session != null && requestId != null) {
            error(sink, 400, "invalid_request_error", "Send session or request_id, not both.", "request_id");
            return;
        }
        for (String field : new String[] {"session", "request_id"}) {
            String v = text(body, field);
            if (v != null && !Attribution.isValidValue(v)) {
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        field + " must be 1-128 characters of letters, digits and . _ - : / @.",
                        field);
                return;
            }
        }
        String name = text(body, "outcome");
        if (name == null || !Attribution.isValidValue(name)) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "outcome must be a name of 1-128 characters of letters, digits and . _ - : / @,"
                            + " e.g. ticket_resolved.",
                    "outcome");
            return;
        }
        JsonNode countNode = body.get("count");
        long count = 1;
        if (countNode != null && !countNode.isNull()) {
            // canConvertToLong first: asLong() keeps only the low 64 bits of a larger integer
            if (!countNode.canConvertToExactIntegral()
                    || !countNode.canConvertToLong()
                    || countNode.asLong() < 1
                    || countNode.asLong() > Outcome.MAX_COUNT) {
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        "count must be a whole number from 1 to " + Outcome.MAX_COUNT + ".",
                        "count");
                return;
            }
            count = countNode.asLong();
        }
        String idempotencyKey = request.headers().first(IDEMPOTENCY_HEADER);
        if (idempotencyKey != null && !idempotencyKey.matches("[\\x21-\\x7E]{1,255}")) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    IDEMPOTENCY_HEADER + " must be 1-255 printable ASCII characters without spaces.",
                    IDEMPOTENCY_HEADER);
            return;
        }
        Instant now = clock.instant();
        Outcome outcome = new Outcome(now, session, requestId, name, count, key.id());
        OutcomeLog.Once once = OutcomeLog.Once.STORED;
        Instant recordedAt = now;
        try {
            if (idempotencyKey == null) {
                log.record(outcome);
            } else {
                OutcomeLog.Recorded recorded = log.recordOnceAt(outcome, idempotencyKey);
                once = recorded.once();
                recordedAt = recorded.at(); // a retry says when the work was recorded, not when it came
            }
        } catch (ObjectStoreException e) {
            error(sink, 503, "api_error", "The outcome could not be stored; retry.", null);
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("object", "outcome");
        answer.put("outcome", name);
        answer.put("count", count);
        answer.put("session", session);
        answer.put("request_id", requestId);
        answer.put(
                "recorded_at",
                recordedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        byte[] bytes = JSON.writeValueAsBytes(answer);
        if (once == OutcomeLog.Once.CONFLICTING) {
            error(
                    sink,
                    422,
                    "invalid_request_error",
                    IDEMPOTENCY_HEADER + " was used for another outcome; nothing was stored. Use a new key for new"
                            + " work.",
                    IDEMPOTENCY_HEADER);
            return;
        }
        sink.start(
                once == OutcomeLog.Once.STORED ? 201 : 200,
                new Headers().set("Content-Type", "application/json"),
                bytes.length);
        sink.write(bytes);
        sink.end();
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isTextual() ? n.asText() : "\u0000"; // a non-string fails validation and names the field
    }

    private static void error(ResponseSink sink, int status, String type, String message, String param)
            throws IOException {
        byte[] body = ErrorBodies.openAi(type, message, param, status == 401 ? "invalid_api_key" : "invalid_request");
        Headers headers = new Headers().set("Content-Type", "application/json");
        if (status == 405) {
            headers.set("Allow", "POST");
        }
        sink.start(status, headers, body.length);
        sink.write(body);
        sink.end();
    }
}
