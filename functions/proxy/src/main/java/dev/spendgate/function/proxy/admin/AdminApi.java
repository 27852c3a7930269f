package dev.spendgate.function.proxy.admin;

import static dev.spendgate.function.proxy.admin.AdminJson.JSON;
import static dev.spendgate.function.proxy.admin.AdminJson.error;
import static dev.spendgate.function.proxy.admin.AdminJson.jsonObject;
import static dev.spendgate.function.proxy.admin.AdminJson.keyJson;
import static dev.spendgate.function.proxy.admin.AdminJson.ok;
import static dev.spendgate.function.proxy.admin.AdminJson.policyJson;
import static dev.spendgate.function.proxy.admin.AdminJson.query;
import static dev.spendgate.function.proxy.admin.AdminJson.required;
import static dev.spendgate.function.proxy.admin.AdminJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetStatus;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The admin HTTP API for budgets, under {@code /admin/}:
 *
 * <ul>
 *   <li>{@code GET /admin/budgets}: every policy;
 *   <li>{@code PUT /admin/budgets}: create or replace one ({@code scope, period, limit_usd, mode} and optionally
 *       {@code alert_at, on_store_error, time_zone});
 *   <li>{@code DELETE /admin/budgets?scope=feature:chatbot&period=monthly};
 *   <li>{@code GET /admin/budgets/status}: limit, spent, in flight, remaining, forecast per budget;
 *   <li>{@code GET /admin/keys}: every proxy key (never a secret);
 *   <li>{@code POST /admin/keys}: create one ({@code name, environment} and optionally {@code owner, feature,
 *       department, team}); the answer holds the secret, shown this once;
 *   <li>{@code DELETE /admin/keys/{id}}: revoke one.
 * </ul>
 *
 * Locally the caller proves itself with {@code Authorization: Bearer <SPENDGATE_ADMIN_TOKEN>} (compared by hash, in
 * constant time); without a configured token the API answers 404. Behind API Gateway the route is IAM-authorised and
 * the Lambda handler passes only signed callers here.
 */
public final class AdminApi {
    public static final String PREFIX = "/admin/";

    private final BudgetPolicyStore policies;
    private final BudgetLedger ledger;
    private final KeyStore keys;
    private final LocalAdminGuard local;
    private final Clock clock;
    private final long maxBodyBytes;

    /**
     * @param keys where proxy keys live, or null to leave the key routes out
     * @param local the local admin token's guard, or null when the caller is authorised before (IAM) or never
     * @param maxBodyBytes the largest body taken ({@code SPENDGATE_MAX_BODY_BYTES}); a larger one gets 413
     */
    public AdminApi(
            BudgetPolicyStore policies,
            BudgetLedger ledger,
            KeyStore keys,
            LocalAdminGuard local,
            Clock clock,
            long maxBodyBytes) {
        this.policies = policies;
        this.ledger = ledger;
        this.keys = keys;
        this.local = local;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    private volatile dev.spendgate.domain.routing.GatewayPolicyStore gatewayPolicy;
    private volatile java.util.function.Consumer<dev.spendgate.domain.routing.GatewayPolicy> gatewayPolicyCheck;

    /** Serves {@code /admin/policy} (the gateway policy) from {@code store}. */
    public AdminApi servePolicy(dev.spendgate.domain.routing.GatewayPolicyStore store) {
        return servePolicy(store, policy -> {});
    }

    /**
     * Serves {@code /admin/policy} from {@code store}; a {@code PUT} stores a policy only when it also passes
     * {@code check} (the checks that need the gateway's providers and prices), else 400 naming the field.
     */
    public AdminApi servePolicy(
            dev.spendgate.domain.routing.GatewayPolicyStore store,
            java.util.function.Consumer<dev.spendgate.domain.routing.GatewayPolicy> check) {
        this.gatewayPolicyCheck = java.util.Objects.requireNonNull(check, "check");
        this.gatewayPolicy = store;
        return this;
    }

    public static boolean isAdminPath(String path) {
        return path.startsWith(PREFIX);
    }

    /** Serves a request whose caller still has to show the admin token (the local server). */
    public void handleWithToken(GatewayRequest request, ResponseSink sink) throws IOException {
        if (local == null) {
            error(sink, 404, "not_found_error", "The admin API is off: set SPENDGATE_ADMIN_TOKEN to enable it.", null);
            return;
        }
        if (!local.hostAllowed(request)) {
            error(sink, 403, "permission_error", LocalAdminGuard.hostRefusal(request), "host");
            return;
        }
        long locked = local.lockedForSeconds(request);
        if (locked > 0) {
            byte[] bytes = dev.spendgate.function.proxy.http.ErrorBodies.openAi(
                    "rate_limit_error",
                    "Too many wrong admin tokens from this address; try again in " + locked + " s.",
                    "authorization",
                    null);
            sink.start(
                    429,
                    new dev.spendgate.function.proxy.http.Headers()
                            .set("Content-Type", "application/json")
                            .set("Cache-Control", "no-store")
                            .set("Retry-After", Long.toString(locked)),
                    bytes.length);
            sink.write(bytes);
            sink.end();
            return;
        }
        String auth = request.headers().first("authorization");
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? auth.substring(7).trim()
                : "";
        // no token at all is not a wrong one: any web page can make a browser send such a request (a cross-site
        // GET carries no Authorization header), and counting it would let the page lock the admin out
        if (presented.isEmpty() || !local.matches(presented, request)) {
            error(
                    sink,
                    401,
                    "authentication_error",
                    "Admin calls need 'Authorization: Bearer <admin token>'.",
                    "authorization");
            return;
        }
        handleAuthorised(request, sink);
    }

    /** Serves a request whose caller is already authorised (IAM at API Gateway). */
    public void handleAuthorised(GatewayRequest request, ResponseSink sink) throws IOException {
        if (request.body().length > maxBodyBytes) {
            // before any parsing, as for a model call: the local server hands over the body cut one byte past the
            // limit, which would otherwise read as malformed JSON and send the admin looking for a typo
            error(
                    sink,
                    413,
                    "request_too_large",
                    "Request body is larger than the " + maxBodyBytes
                            + " bytes Spendgate accepts (SPENDGATE_MAX_BODY_BYTES); nothing was stored.",
                    "body");
            return;
        }
        String path = request.path();
        String query = "";
        int q = path.indexOf('?');
        if (q >= 0) {
            query = path.substring(q + 1);
            path = path.substring(0, q);
        }
        String method = request.method().toUpperCase(java.util.Locale.ROOT);
        try {
            dispatch(path, query, method, request, sink);
        } catch (AdminJson.BadQueryParameter e) {
            error(sink, 400, "invalid_request_error", e.getMessage(), e.param());
        }
    }

    private void dispatch(String path, String query, String method, GatewayRequest request, ResponseSink sink)
            throws IOException {
        if (path.equals("/admin/budgets")) {
            switch (method) {
                case "GET" -> list(sink);
                case "PUT", "POST" -> put(request.body(), sink);
                case "DELETE" -> delete(query(query), sink);
                default ->
                    error(sink, 405, "invalid_request_error", "Use GET, PUT or DELETE on /admin/budgets.", "method");
            }
        } else if (gatewayPolicy != null && path.equals("/admin/policy")) {
            GatewayPolicyAdmin.handle(gatewayPolicy, gatewayPolicyCheck, method, request.body(), sink);
        } else if (path.equals("/admin/budgets/status") && method.equals("GET")) {
            status(sink);
        } else if (keys != null && path.equals("/admin/keys")) {
            switch (method) {
                case "GET" -> listKeys(sink);
                case "POST" -> createKey(request.body(), sink);
                default -> error(sink, 405, "invalid_request_error", "Use GET or POST on /admin/keys.", "method");
            }
        } else if (keys != null && path.startsWith("/admin/keys/")) {
            // the path is right and the method wrong: 405 saying which one, not 404 "unknown admin path"
            switch (method) {
                case "DELETE" -> revokeKey(AdminJson.decode(path.substring("/admin/keys/".length()), "id"), sink);
                default ->
                    error(
                            sink,
                            405,
                            "invalid_request_error",
                            "Use DELETE on /admin/keys/{id} to revoke a key; GET /admin/keys lists them.",
                            "method");
            }
        } else {
            error(
                    sink,
                    404,
                    "not_found_error",
                    "Unknown admin path; try /admin/budgets, /admin/budgets/status or /admin/keys.",
                    "path");
        }
    }

    private void list(ResponseSink sink) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        for (BudgetPolicy p : policies.list()) {
            out.add(policyJson(p));
        }
        ok(sink, 200, JSON.createObjectNode().set("budgets", out));
    }

    private void put(byte[] body, ResponseSink sink) throws IOException {
        JsonNode json = jsonObject(body, sink);
        if (json == null) {
            return;
        }
        String unknown = AdminJson.unknownField(json, AdminJson.BUDGET_FIELDS, AdminJson.BUDGET_READ_ONLY_FIELDS);
        if (unknown != null) {
            // a misspelling such as alerts_at would otherwise leave the default in force without a word
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "Unknown field '" + unknown + "': a budget takes " + String.join(", ", AdminJson.BUDGET_FIELDS)
                            + ".",
                    unknown);
            return;
        }
        String field = null;
        BudgetPolicy policy;
        try {
            field = "scope";
            BudgetScope scope = BudgetScope.parse(required(json, field));
            field = "period";
            BudgetPeriod period = BudgetPeriod.parse(required(json, field));
            field = "limit_usd";
            BigDecimal limit = BudgetPolicy.checkedLimit(new BigDecimal(required(json, field)));
            field = "mode";
            BudgetPolicy.Mode mode = BudgetPolicy.Mode.parse(required(json, field));
            field = "alert_at";
            List<Integer> alertAt = null;
            if (json.hasNonNull(field)) {
                JsonNode given = json.get(field);
                if (!given.isArray()) {
                    throw new IllegalArgumentException("must be an array of whole percentages, e.g. [50, 80, 100]");
                }
                alertAt = new ArrayList<>();
                for (JsonNode pct : given) {
                    alertAt.add(BudgetPolicy.checkedAlert(wholeNumber(pct, "alert_at holds whole percentages")));
                }
            }
            field = "on_store_error";
            BudgetPolicy.OnStoreError onError = json.hasNonNull(field)
                    ? BudgetPolicy.OnStoreError.parse(json.get(field).asText())
                    : null;
            field = "time_zone";
            ZoneId zone = json.hasNonNull(field) ? ZoneId.of(json.get(field).asText()) : null;
            field = "shards";
            int shards = json.hasNonNull(field)
                    ? wholeNumber(json.get(field), "must be a whole number from 1 to " + BudgetPolicy.MAX_SHARDS)
                    : 1;
            if (shards < 1 || shards > BudgetPolicy.MAX_SHARDS) {
                throw new IllegalArgumentException("must be a whole number from 1 to " + BudgetPolicy.MAX_SHARDS);
            }
            field = "limit_usd";
            policy = new BudgetPolicy(scope, period, limit, mode, alertAt, onError, zone, shards);
        } catch (RuntimeException e) {
            String message = e instanceof NumberFormatException ? "limit_usd must be a decimal number" : e.getMessage();
            error(sink, 400, "invalid_request_error", "Invalid '" + field + "': " + message, field);
            return;
        }
        if (keys != null) {
            // a key: budget naming no key (its name where the id belongs) or a revoked key (the old id after a
            // rotation) would govern nothing, without a word
            java.util.Optional<String> noKey =
                    dev.spendgate.domain.keys.KeyBudgetScopes.governsNothing(policy.scope(), keys);
            if (noKey.isPresent()) {
                error(sink, 400, "invalid_request_error", "Invalid 'scope': " + noKey.get() + ".", "scope");
                return;
            }
        }
        BudgetPolicy previous = policies.find(policy.id()).orElse(null);
        Instant now = clock.instant();
        policy = policy.replacing(previous, now);
        policies.put(policy);
        ObjectNode answer = policyJson(policy);
        policy.reshardWarning(previous, now).ifPresent(w -> answer.put("warning", w));
        ok(sink, 200, answer);
    }

    private void delete(Map<String, String> query, ResponseSink sink) throws IOException {
        String id;
        String field = "scope";
        try {
            BudgetScope scope = BudgetScope.parse(query.getOrDefault(field, ""));
            field = "period";
            id = scope + "/" + BudgetPeriod.parse(query.getOrDefault(field, "")).label();
        } catch (RuntimeException e) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "DELETE needs ?scope=TYPE:VALUE&period=monthly|daily|lifetime: " + e.getMessage(),
                    field);
            return;
        }
        if (!policies.delete(id)) {
            error(sink, 404, "not_found_error", "No budget " + id + ".", "scope");
            return;
        }
        ok(sink, 200, JSON.createObjectNode().put("deleted", id));
    }

    /** A JSON number without a fraction (2 or 2.0, as Python writes floats; not 2.5, not "2"), else the message. */
    private static int wholeNumber(JsonNode node, String message) {
        if (!node.isNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(message);
        }
        java.math.BigDecimal value = node.decimalValue();
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException(message);
        }
        return value.intValueExact();
    }

    private void status(ResponseSink sink) throws IOException {
        Instant now = clock.instant();
        ArrayNode out = JSON.createArrayNode();
        for (BudgetPolicy p : policies.list()) {
            ObjectNode row = policyJson(p);
            BudgetStatus s = BudgetStatus.ofPolicy(p, ledger, now);
            // a changed time zone waits for the period's end: the period and its spend are the zone in force's
            ZoneId inForce = p.inForceAt(now).zone();
            row.put("period_key", p.period().key(now, inForce));
            row.put("time_zone_in_force", inForce.toString());
            if (s == null) {
                row.put("note", "each " + p.scope().type().label() + " has its own budget");
            } else {
                row.put("spent_usd", s.spentUsd().toPlainString());
                row.put("in_flight_usd", s.inFlightUsd().toPlainString());
                row.put("remaining_usd", s.remainingUsd().toPlainString());
                row.put(
                        "forecast_usd",
                        s.forecastUsd() == null ? null : s.forecastUsd().toPlainString());
                // a budget first set within its period a day or more ago forecasts from then (countingFrom)
                Instant countingFrom = p.inForceAt(now).countingFrom(now);
                if (countingFrom != null && !countingFrom.equals(p.period().start(now, inForce))) {
                    row.put("counting_from", countingFrom.toString());
                }
                row.put(
                        "used_percent",
                        s.usedPercent() == null ? null : s.usedPercent().toPlainString());
                ArrayNode crossed = row.putArray("alerts_crossed");
                s.alertsCrossed().forEach(crossed::add);
            }
            out.add(row);
        }
        ok(sink, 200, JSON.createObjectNode().set("budgets", out));
    }

    private void listKeys(ResponseSink sink) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        for (ProxyKey k : keys.list()) {
            out.add(keyJson(k));
        }
        ok(sink, 200, JSON.createObjectNode().set("keys", out));
    }

    private void createKey(byte[] body, ResponseSink sink) throws IOException {
        JsonNode json = jsonObject(body, sink);
        if (json == null) {
            return;
        }
        String unknown = AdminJson.unknownField(json, AdminJson.KEY_FIELDS, java.util.Set.of());
        if (unknown != null) {
            // a misspelling such as departement would otherwise store a key without its department, without a word
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "Unknown field '" + unknown + "': a key takes " + String.join(", ", AdminJson.KEY_FIELDS)
                            + "; nothing was stored.",
                    unknown);
            return;
        }
        for (String field : AdminJson.KEY_FIELDS) {
            JsonNode v = json.get(field);
            if (v != null && !v.isNull() && !v.isTextual()) {
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        "Invalid '" + field + "': must be a string; nothing was stored.",
                        field);
                return;
            }
        }
        // strip(), not trim(): trim() keeps Unicode spaces such as U+3000, and a name of one would pass as not empty
        String name = json.path("name").asText("").strip();
        if (!dev.spendgate.domain.keys.KeyLabels.validName(name)) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "Invalid 'name': 1-128 characters are required, without control or bidirectional formatting characters.",
                    "name");
            return;
        }
        if (json.hasNonNull("owner")
                && !dev.spendgate.domain.keys.KeyLabels.validOwner(
                        json.get("owner").asText())) {
            error(
                    sink,
                    400,
                    "invalid_request_error",
                    "Invalid 'owner': at most 256 characters, without control or bidirectional formatting characters.",
                    "owner");
            return;
        }
        for (String field : List.of("environment", "feature", "department", "team")) {
            JsonNode v = json.get(field);
            boolean required = field.equals("environment");
            if ((v == null || v.isNull()) && !required) {
                continue;
            }
            if (v == null || v.isNull() || !Attribution.isValidValue(v.asText())) {
                error(
                        sink,
                        400,
                        "invalid_request_error",
                        "Invalid '" + field + "': " + (required ? "required, " : "") + "1-" + Attribution.MAX_LENGTH
                                + " letters, digits or . _ - : / @",
                        field);
                return;
            }
        }
        String secret = ProxyKeys.newSecret();
        ProxyKey key = new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                name,
                json.get("environment").asText(),
                json.hasNonNull("owner") ? json.get("owner").asText() : null,
                new Attribution(
                        text(json, "feature"),
                        text(json, "department"),
                        text(json, "team"),
                        json.get("environment").asText(),
                        null,
                        null,
                        null),
                true,
                clock.instant().truncatedTo(ChronoUnit.SECONDS));
        keys.create(key);
        ok(sink, 201, keyJson(key).put("secret", secret));
    }

    private void revokeKey(String id, ResponseSink sink) throws IOException {
        if (id.isBlank() || !keys.revoke(id)) {
            error(sink, 404, "not_found_error", "No key " + id + ".", "id");
            return;
        }
        // this instance refuses it at once; others may trust a cached look-up a while (AWS:
        // SPENDGATE_KEY_CACHE_SECONDS)
        ok(
                sink,
                200,
                JSON.createObjectNode()
                        .put("revoked", id)
                        .put(
                                "refused_everywhere_within_seconds",
                                keys.revocationDelay().toSeconds()));
    }
}
