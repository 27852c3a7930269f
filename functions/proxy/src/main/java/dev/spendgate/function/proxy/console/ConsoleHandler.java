package dev.spendgate.function.proxy.console;

import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.admin.LocalAdminGuard;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;

/**
 * The web console: server-rendered pages over the gateway's own stores (spend, budgets, findings, keys, recent calls,
 * reports), with Chart.js bundled in the jar. Served under {@code /console/} by the local server, where the browser
 * signs in with the admin token, and under {@code /admin/console/} behind API Gateway, where IAM has authorised the
 * caller ({@code ./spendgate console --aws} signs for the browser). Every link is relative, so the same pages work
 * under both prefixes. Changes (budgets, keys) go through the {@link AdminApi}, so they get its validation.
 */
public final class ConsoleHandler {
    public static final String LOCAL_PREFIX = "/console";
    public static final String ADMIN_PREFIX = "/admin/console";

    private final LocalAdminGuard local;
    private final ConsoleSessions sessions;
    private final StaticAssets assets = StaticAssets.load();
    private final SpendView spend;
    private final BudgetsView budgets;
    private final FindingsPage.Sources sources;
    private volatile FindingsPage findings;
    private final KeysView keys;
    private final CallsView calls;
    private final ReportsView reports;

    /**
     * @param local the local admin token's guard ({@code SPENDGATE_ADMIN_TOKEN}), or null: the local console is then off,
     *     the IAM-authorised one still works
     */
    public ConsoleHandler(
            AdminApi admin,
            ObjectStore store,
            KeyStore keyStore,
            BudgetPolicyStore policies,
            PricingCatalog pricing,
            LocalAdminGuard local,
            Clock clock) {
        this.local = local;
        this.sessions = new ConsoleSessions(clock);
        AdminCall adminCall = new AdminCall(admin);
        this.spend = new SpendView(store, pricing, clock);
        this.budgets = new BudgetsView(adminCall, clock);
        this.sources = new FindingsPage.Sources(store, keyStore, policies, pricing, clock);
        this.findings = new StoredFindingsPage(store);
        this.keys = new KeysView(adminCall);
        this.calls = new CallsView(store, pricing, clock);
        this.reports = new ReportsView(store);
    }

    /** Replaces the stored-findings page, e.g. with the live analysis when the CLI runs the local server. */
    public void useFindings(java.util.function.Function<FindingsPage.Sources, FindingsPage> page) {
        this.findings = page.apply(sources);
    }

    /** True for {@code /console} and everything under it (the path without its query). */
    public static boolean isLocalPath(String bare) {
        return bare.equals(LOCAL_PREFIX) || bare.startsWith(LOCAL_PREFIX + "/");
    }

    /** True for {@code /admin/console} and everything under it (the path without its query). */
    public static boolean isAdminPath(String bare) {
        return bare.equals(ADMIN_PREFIX) || bare.startsWith(ADMIN_PREFIX + "/");
    }

    /** The local server: the browser shows the admin token once (sign-in form) or sends it as a Bearer header. */
    public void handleLocal(GatewayRequest request, ResponseSink sink) throws IOException {
        String path = request.path();
        int q = path.indexOf('?');
        String sub = (q < 0 ? path : path.substring(0, q)).substring(LOCAL_PREFIX.length());
        String query = q < 0 ? "" : path.substring(q + 1);
        String method = request.method().toUpperCase(Locale.ROOT);
        if (sub.startsWith("/static/")) {
            serve(sub, query, method, request, sink);
            return;
        }
        if (local != null && !local.hostAllowed(request)) {
            Reply.html(sink, 403, Html.page("", "Refused", Html.notice("error", LocalAdminGuard.hostRefusal(request))));
            return;
        }
        if (local == null) {
            Reply.html(
                    sink,
                    404,
                    Html.page(
                            "",
                            "Console off",
                            Html.notice(
                                    "error",
                                    "The console is off: start the gateway with SPENDGATE_ADMIN_TOKEN set (the admin token).")));
            return;
        }
        boolean unsafe = !method.equals("GET") && !method.equals("HEAD");
        if (unsafe && !sameOrigin(request)) {
            Reply.html(
                    sink,
                    403,
                    Html.page(
                            "",
                            "Refused",
                            Html.notice(
                                    "error",
                                    "A form from another site cannot change this console (Origin does not match).")));
            return;
        }
        if (sub.equals("/login")) {
            login(method, request, sink);
            return;
        }
        if (sub.equals("/logout") && method.equals("POST")) {
            Reply.redirect(sink, "login", sessions.close(request.headers().first("cookie"), request.tls()));
            return;
        }
        if (!sessions.valid(request.headers().first("cookie"))) {
            String bearer = bearerToken(request);
            long locked = bearer == null ? 0 : local.lockedForSeconds(request);
            if (locked > 0) {
                tooMany(
                        sink,
                        locked,
                        Html.page(
                                "",
                                "Refused",
                                Html.notice(
                                        "error",
                                        "Too many wrong tokens from this address; try again in " + locked
                                                + " seconds.")));
                return;
            }
            if (bearer != null && local.matches(bearer, request)) {
                serve(sub, query, method, request, sink);
                return;
            }
            if (method.equals("GET")) {
                Reply.redirect(sink, LOCAL_PREFIX + "/login", null);
            } else {
                Reply.html(sink, 401, Html.page("", "Signed out", Html.notice("error", "Sign in again.")));
            }
            return;
        }
        serve(sub, query, method, request, sink);
    }

    /** Behind API Gateway: IAM has already authorised the caller. */
    public void handleAuthorised(GatewayRequest request, ResponseSink sink) throws IOException {
        String path = request.path();
        int q = path.indexOf('?');
        String sub = (q < 0 ? path : path.substring(0, q)).substring(ADMIN_PREFIX.length());
        serve(sub, q < 0 ? "" : path.substring(q + 1), request.method().toUpperCase(Locale.ROOT), request, sink);
    }

    private void serve(String sub, String query, String method, GatewayRequest request, ResponseSink sink)
            throws IOException {
        if (sub.isEmpty()) {
            Reply.redirect(sink, "console/", null);
            return;
        }
        Params params = Params.parse(query);
        boolean get = method.equals("GET") || method.equals("HEAD");
        boolean post = method.equals("POST");
        Params form = post ? Params.form(request.body()) : params;
        // a field that is not URL-encoded text is refused, naming it: dropped, a filter would show everyone's spend
        // and an empty form field would keep the stored value while the change read as saved
        String malformed = params.malformed() != null ? params.malformed() : form.malformed();
        if (malformed != null) {
            Reply.html(sink, 400, Html.page("", "Bad request", Html.notice("error", malformed)));
            return;
        }
        try {
            if (sub.startsWith("/static/") && get) {
                assets.serve(sub.substring("/static/".length()), sink);
            } else if (sub.equals("/") && get) {
                Reply.html(sink, 200, Html.page("spend", "Spend", spend.render(params)));
            } else if (sub.equals("/budgets") && (get || post)) {
                budgets.serve(form, post, sink);
            } else if (sub.equals("/budget-delete") && post) {
                budgets.delete(form, sink);
            } else if (sub.equals("/findings") && get) {
                Reply.html(sink, 200, Html.page("findings", "Waste findings", findings.render()));
            } else if (sub.equals("/finding-apply") && (get || post)) {
                applyFinding(form, post, sink);
            } else if (sub.equals("/keys") && (get || post)) {
                keys.serve(form, post, sink);
            } else if (sub.equals("/key-revoke") && post) {
                keys.revoke(form, sink);
            } else if (sub.equals("/calls") && get) {
                Reply.html(sink, 200, Html.page("calls", "Recent calls", calls.render(params)));
            } else if (sub.equals("/reports") && get) {
                Reply.html(sink, 200, Html.page("reports", "Monthly reports", reports.render()));
            } else if (sub.equals("/report-file") && get) {
                reports.download(params.get("key"), sink);
            } else {
                Reply.html(sink, 404, Html.page("", "Not found", Html.notice("error", "No console page here.")));
            }
        } catch (RuntimeException e) {
            Log.error(null, "console page " + sub + " failed", e);
            Reply.html(
                    sink,
                    500,
                    Html.page(
                            "",
                            "Error",
                            Html.notice("error", "This page could not be built; the gateway log has the cause.")));
        }
    }

    /** GET: the dry run and a confirm form; POST with {@code confirm=yes}: the change, recorded with {@code by}. */
    private void applyFinding(Params form, boolean post, ResponseSink sink) throws IOException {
        String id = form.get("id");
        if (id == null || id.isBlank()) {
            Reply.html(sink, 400, Html.page("findings", "Apply", Html.notice("error", "Field 'id': which finding.")));
            return;
        }
        java.math.BigDecimal share = null;
        String shareText = form.get("share");
        if (shareText != null && !shareText.isBlank()) {
            try {
                share = new java.math.BigDecimal(shareText.trim());
            } catch (NumberFormatException e) {
                share = java.math.BigDecimal.ZERO;
            }
            if (share.signum() <= 0 || share.compareTo(java.math.BigDecimal.valueOf(100)) > 0) {
                Reply.html(
                        sink,
                        400,
                        Html.page(
                                "findings",
                                "Apply",
                                Html.notice("error", "Field 'share': a percentage more than 0 and at most 100.")));
                return;
            }
        }
        String by = form.get("by");
        boolean confirm = post && "yes".equals(form.get("confirm"));
        if (confirm && (by == null || by.isBlank())) {
            Reply.html(
                    sink,
                    400,
                    Html.page("findings", "Apply", Html.notice("error", "Field 'by': who applies the change.")));
            return;
        }
        FindingsPage.Applied page = findings.apply(id, share, confirm ? "console:" + by.trim() : null, confirm);
        Reply.html(sink, page.status(), Html.page("findings", "Apply a finding", page.body()));
    }

    private void login(String method, GatewayRequest request, ResponseSink sink) throws IOException {
        if (method.equals("POST")) {
            long locked = local.lockedForSeconds(request);
            if (locked > 0) {
                tooMany(
                        sink,
                        locked,
                        loginPage("Too many wrong tokens from this address; try again in " + locked + " seconds."));
                return;
            }
            String token = Params.form(request.body()).get("token");
            if (token != null && local.matches(token, request)) {
                Reply.redirect(sink, "./", sessions.open(request.tls()));
                return;
            }
            Reply.html(sink, 401, loginPage("That is not the admin token."));
            return;
        }
        Reply.html(sink, 200, loginPage(null));
    }

    private static String loginPage(String error) {
        return Html.page(
                "",
                "Sign in",
                (error == null ? "" : Html.notice("error", error))
                        + "<form method=\"post\" action=\"login\" class=\"card\">"
                        + "<div class=\"field\"><label for=\"f-token\">Admin token</label>"
                        + "<input id=\"f-token\" name=\"token\" type=\"password\" autocomplete=\"current-password\""
                        + " required aria-describedby=\"f-token-hint\">"
                        + "<small id=\"f-token-hint\">The SPENDGATE_ADMIN_TOKEN the gateway was started with."
                        + " It stays in this process; the browser gets a session cookie for 12 hours.</small></div>"
                        + "<button type=\"submit\">Sign in</button></form>");
    }

    /** The {@code Authorization: Bearer} token a script sends instead of signing in, or null. */
    private static String bearerToken(GatewayRequest request) {
        String auth = request.headers().first("authorization");
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? auth.substring(7).trim()
                : null;
    }

    private static void tooMany(ResponseSink sink, long seconds, String html) throws IOException {
        Reply.bytes(
                sink,
                429,
                Reply.headers("text/html; charset=utf-8").set("Retry-After", Long.toString(seconds)),
                html.getBytes(StandardCharsets.UTF_8));
    }

    /** A state-changing request must come from a page of this console (its Origin is this host), or say nothing. */
    private static boolean sameOrigin(GatewayRequest request) {
        String origin = request.headers().first("origin");
        String site = request.headers().first("sec-fetch-site");
        if (origin == null) {
            return site == null || site.equals("same-origin") || site.equals("none");
        }
        String host = request.headers().first("host");
        int scheme = origin.indexOf("://");
        return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }
}
