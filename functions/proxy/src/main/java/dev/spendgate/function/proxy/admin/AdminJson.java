package dev.spendgate.function.proxy.admin;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The admin API's JSON: request bodies and query strings in, policies, keys and errors out. */
final class AdminJson {
    // a field given twice is an error, not the last copy silently (a second limit_usd would replace the first); so is
    // content after the object (two budget files piped into one PUT would store the first and drop the second)
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']{1,200})'");

    private AdminJson() {}

    /** The body as a JSON object, or null after answering 400. */
    static JsonNode jsonObject(byte[] body, ResponseSink sink) throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getMessage()));
            if (duplicate.find()) {
                String field = duplicate.group(1);
                error(sink, 400, "invalid_request_error", "'" + field + "' is given more than once.", field);
                return null;
            }
            if (e instanceof MismatchedInputException
                    && String.valueOf(e.getMessage()).startsWith("Trailing token")) {
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        "The body must be a single JSON object; more JSON follows it (send one object a call)."
                                + " Nothing was stored.",
                        "body");
                return null;
            }
            error(sink, 400, "invalid_request_error", "The body is not valid JSON.", "body");
            return null;
        }
        if (json == null || !json.isObject()) {
            error(sink, 400, "invalid_request_error", "The body must be a JSON object.", "body");
            return null;
        }
        return json;
    }

    static ObjectNode keyJson(ProxyKey k) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("environment", k.environment());
        o.put("owner", k.owner());
        o.put("feature", k.defaults().feature());
        o.put("department", k.defaults().department());
        o.put("team", k.defaults().team());
        o.put("enabled", k.enabled());
        o.put("created_at", k.createdAt().toString());
        return o;
    }

    static String text(JsonNode json, String field) {
        return json.hasNonNull(field) ? json.get(field).asText() : null;
    }

    /** The fields {@code PUT /admin/budgets} reads, in the README's order. */
    static final List<String> BUDGET_FIELDS =
            List.of("scope", "period", "limit_usd", "mode", "alert_at", "on_store_error", "time_zone", "shards");

    /** The fields {@code POST /admin/keys} reads, in the README's order. */
    static final List<String> KEY_FIELDS = List.of("name", "environment", "owner", "feature", "department", "team");

    /**
     * Fields {@link #policyJson} writes that a PUT ignores, so a budget read with GET can be changed and sent back
     * as it is.
     */
    static final java.util.Set<String> BUDGET_READ_ONLY_FIELDS =
            java.util.Set.of("id", "previous_shards", "shards_from", "previous_time_zone");

    /** The first field of {@code json} in neither list, or null. */
    static String unknownField(JsonNode json, List<String> fields, java.util.Set<String> readOnly) {
        for (java.util.Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name) && !readOnly.contains(name)) {
                return name;
            }
        }
        return null;
    }

    static ObjectNode policyJson(BudgetPolicy p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", p.id());
        o.put("scope", p.scope().toString());
        o.put("period", p.period().label());
        o.put("limit_usd", p.limitUsd().toPlainString());
        o.put("mode", p.mode().label());
        ArrayNode alerts = o.putArray("alert_at");
        p.alertAt().forEach(alerts::add);
        o.put("on_store_error", p.onStoreError().label());
        o.put("time_zone", p.zone().toString());
        o.put("shards", p.shards());
        if (p.shardsFrom() != null && !p.countInForceUnknown()) {
            o.put("previous_shards", p.previousShards());
            o.put("shards_from", p.shardsFrom().toString());
            if (p.previousZone() != null) {
                o.put("previous_time_zone", p.previousZone().toString());
            }
        }
        return o;
    }

    static String required(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new IllegalArgumentException("is required");
        }
        return v.asText();
    }

    /**
     * The query's parameters, decoded. A malformed percent-escape, or a parameter given twice (which of two scopes a
     * DELETE means is not for the server to guess), is a {@link BadQueryParameter} naming the parameter.
     */
    static Map<String, String> query(String query) {
        Map<String, String> params = new HashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                String name = decode(pair.substring(0, eq), pair.substring(0, eq));
                if (params.put(name, decode(pair.substring(eq + 1), name)) != null) {
                    throw new BadQueryParameter(name, "'" + name + "' is given more than once.");
                }
            }
        }
        return params;
    }

    /** {@code value} URL-decoded, or a {@link BadQueryParameter} naming {@code param} (URLDecoder throws on "%zz"). */
    static String decode(String value, String param) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadQueryParameter(
                    param, "Invalid '" + param + "': a malformed percent-escape (use %XX with two hex digits).");
        }
    }

    /** A query parameter or path segment the server cannot take as sent: the client's error, a 400 naming it. */
    static final class BadQueryParameter extends IllegalArgumentException {
        private final String param;

        BadQueryParameter(String param, String message) {
            super(message);
            this.param = param;
        }

        String param() {
            return param;
        }
    }

    /**
     * An admin answer: never kept by a cache between the admin and the gateway (or the browser's), since it may carry
     * a new key's secret ({@code POST /admin/keys}) and always carries the organisation's keys and budgets.
     */
    static void ok(ResponseSink sink, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        sink.start(
                status,
                new Headers().set("Content-Type", "application/json").set("Cache-Control", "no-store"),
                bytes.length);
        sink.write(bytes);
        sink.end();
    }

    /**
     * An admin error answer: also {@code no-store}, since it can name the organisation's keys, budgets and scopes (a
     * 409 on a key name, a 400 quoting a budget's scope) and a shared cache must not hand it to the next caller.
     */
    static void error(ResponseSink sink, int status, String type, String message, String param) throws IOException {
        byte[] bytes = ErrorBodies.openAi(type, message, param, null);
        sink.start(
                status,
                new Headers().set("Content-Type", "application/json").set("Cache-Control", "no-store"),
                bytes.length);
        sink.write(bytes);
        sink.end();
    }
}
