package dev.spendgate.function.proxy;

import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.batch.BatchApi;
import dev.spendgate.function.proxy.console.ConsoleHandler;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.outcome.OutcomesApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one front door of every carrier (the local server, the buffered Lambda handler, the streaming bootstrap):
 * {@code /admin/..} to the admin API, {@code /v1/outcomes} to the outcomes API, {@code GET /health} (and
 * {@code HEAD}; other methods get 405 naming them) on the local server, the web console ({@code /console/..} locally with the admin token, {@code /admin/console/..} for an
 * IAM-signed caller; an admin target too), and everything else ({@code /v1/..}, {@code /model/..}, unknown paths) to the {@link Gateway}. Carriers
 * differ only in how an admin caller is authorised ({@link Caller}).
 */
public final class Router {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    /** The methods {@code /health} answers: HEAD is GET without the content (RFC 9110 9.3.2), as monitors send it. */
    private static final String HEALTH_METHODS = "GET, HEAD";

    /** Who is calling, as far as the carrier knows, which decides how {@code /admin} is authorised. */
    public enum Caller {
        /** The local server: {@code /admin} needs the admin token; {@code GET} and {@code HEAD /health} are answered. */
        LOCAL,
        /** A Lambda carrier with an IAM-signed caller (API Gateway AWS_IAM authorisation). */
        IAM_SIGNED,
        /** A Lambda carrier without a signed caller: {@code /admin} is refused (a misconfigured route). */
        UNSIGNED
    }

    /** Where a request went. */
    public enum Target {
        HEALTH,
        ADMIN,
        OUTCOMES,
        /** The providers' batch APIs ({@code /v1/files}, {@code /v1/batches}, {@code /v1/messages/batches}). */
        BATCHES,
        GATEWAY
    }

    private final Gateway gateway;
    private final OutcomesApi outcomes;
    private final AdminApi admin;
    private final ConsoleHandler console;
    private final BatchApi batches;

    /** {@code outcomes} and {@code admin} may be null (those paths then reach the gateway, which answers 404). */
    public Router(Gateway gateway, OutcomesApi outcomes, AdminApi admin) {
        this(gateway, outcomes, admin, null, null);
    }

    /** As above, with the web console ({@code console} may be null too). */
    public Router(Gateway gateway, OutcomesApi outcomes, AdminApi admin, ConsoleHandler console) {
        this(gateway, outcomes, admin, console, null);
    }

    /** With the web console and the batch APIs; either may be null. */
    public Router(Gateway gateway, OutcomesApi outcomes, AdminApi admin, ConsoleHandler console, BatchApi batches) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.outcomes = outcomes;
        this.admin = admin;
        this.console = console;
        this.batches = batches;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Where {@code request} goes for {@code caller}. */
    public Target target(GatewayRequest request, Caller caller) {
        String path = request.path();
        int query = path.indexOf('?');
        String bare = query >= 0 ? path.substring(0, query) : path;
        if (caller == Caller.LOCAL && "/health".equals(bare)) {
            return Target.HEALTH;
        }
        if (admin != null && AdminApi.isAdminPath(bare) || consolePath(bare, caller)) {
            return Target.ADMIN;
        }
        if (outcomes != null && OutcomesApi.handles(bare)) {
            return Target.OUTCOMES;
        }
        if (batches != null && BatchApi.handles(bare)) {
            return Target.BATCHES;
        }
        return Target.GATEWAY;
    }

    /** Serves {@code request} (its path with its query string); returns where it went. */
    public Target handle(GatewayRequest request, Caller caller, ResponseSink sink) throws IOException {
        Target target = target(request, caller);
        switch (target) {
            case HEALTH -> health(request, sink);
            case ADMIN -> admin(request, caller, sink);
            case OUTCOMES -> outcomes.handle(request, sink);
            case BATCHES -> batches.handle(request, sink);
            case GATEWAY -> gateway.handle(request, sink);
        }
        return target;
    }

    /**
     * 200 to GET and HEAD (the server leaves out a HEAD answer's content, keeping its length); 405 with {@code Allow}
     * to any other method, rather than the gateway's "Unknown path".
     */
    private static void health(GatewayRequest request, ResponseSink sink) throws IOException {
        if ("GET".equals(request.method()) || "HEAD".equals(request.method())) {
            sink.start(200, new Headers().set("Content-Type", "application/json"), HEALTHY.length);
            sink.write(HEALTHY);
            sink.end();
            return;
        }
        byte[] error = ErrorBodies.openAi(
                "invalid_request_error",
                "Method " + request.method() + " is not allowed on /health; use GET or HEAD.",
                "method",
                "method_not_allowed");
        sink.start(
                405, new Headers().set("Content-Type", "application/json").set("Allow", HEALTH_METHODS), error.length);
        sink.write(error);
        sink.end();
    }

    private boolean consolePath(String bare, Caller caller) {
        return console != null
                && (caller == Caller.LOCAL && ConsoleHandler.isLocalPath(bare)
                        || caller == Caller.IAM_SIGNED && ConsoleHandler.isAdminPath(bare));
    }

    private void admin(GatewayRequest request, Caller caller, ResponseSink sink) throws IOException {
        String path = request.path();
        if (consolePath(path.indexOf('?') < 0 ? path : path.substring(0, path.indexOf('?')), caller)) {
            if (caller == Caller.LOCAL) {
                console.handleLocal(request, sink);
            } else {
                console.handleAuthorised(request, sink);
            }
            return;
        }
        switch (caller) {
            case LOCAL -> admin.handleWithToken(request, sink);
            case IAM_SIGNED -> admin.handleAuthorised(request, sink);
            case UNSIGNED -> {
                byte[] error = ErrorBodies.openAi(
                        "permission_error",
                        "Admin routes need an IAM-signed request (API Gateway AWS_IAM authorisation).",
                        null,
                        null);
                sink.start(403, new Headers().set("Content-Type", "application/json"), error.length);
                sink.write(error);
                sink.end();
            }
        }
    }
}
