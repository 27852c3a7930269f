package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.Router;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleHandlerTest {
    private static final String TOKEN = "console-test-token";

    @TempDir
    Path dataDir;

    private GatewayRuntime runtime;

    @AfterEach
    void tearDown() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void handleLocal_signedOut_redirectsToSignInAndLeavesNothingChanged() throws IOException {
        Router console = console(TOKEN);

        Answer page = call(console, "GET", "/console/keys", new Headers(), "");
        Answer create = call(console, "POST", "/console/keys", new Headers(), "name=a&environment=dev");

        assertThat(page.status).isEqualTo(303);
        assertThat(page.headers.first("location")).isEqualTo("/console/login");
        assertThat(create.status).isEqualTo(401);
        assertThat(call(console, "GET", "/console/keys", bearer(), "").body).contains("No keys yet.");
    }

    @Test
    void handleLocal_signInWithToken_setsHttpOnlyStrictCookieThatOpensPages() throws IOException {
        Router console = console(TOKEN);

        Answer wrong = call(console, "POST", "/console/login", new Headers(), "token=nope");
        Answer right = call(console, "POST", "/console/login", new Headers(), "token=" + TOKEN);
        String cookie = right.headers.first("set-cookie");
        Answer budgets = call(
                console,
                "GET",
                "/console/budgets",
                new Headers().set("Cookie", cookie.substring(0, cookie.indexOf(';'))),
                "");

        assertThat(wrong.status).isEqualTo(401);
        assertThat(wrong.headers.first("set-cookie")).isNull();
        assertThat(right.status).isEqualTo(303);
        assertThat(cookie)
                .contains("HttpOnly", "SameSite=Strict", "Path=/console")
                .doesNotContain(TOKEN);
        assertThat(budgets.status).isEqualTo(200);
        assertThat(budgets.body).contains("<h1>Budgets</h1>", "No budgets yet.");
    }

    @Test
    void handleLocal_signInAndOutOverTls_cookiesAreSecure_plainHttpKeepsThemUsable() throws IOException {
        Router console = console(TOKEN);

        String signedIn = call(console, "POST", "/console/login", new Headers(), "token=" + TOKEN, true)
                .headers
                .first("set-cookie");
        Headers session = new Headers().set("Cookie", signedIn.substring(0, signedIn.indexOf(';')));
        String signedOut = call(console, "POST", "/console/logout", session, "", true)
                .headers
                .first("set-cookie");
        String plain = call(console, "POST", "/console/login", new Headers(), "token=" + TOKEN)
                .headers
                .first("set-cookie");

        assertThat(signedIn).contains("HttpOnly", "SameSite=Strict").endsWith("; Secure; Max-Age=43200");
        assertThat(signedOut).startsWith("spendgate_console=;").contains("; Secure", "Max-Age=0");
        // over plain HTTP a Secure cookie would never come back: the browser could not stay signed in
        assertThat(plain).contains("HttpOnly").doesNotContain("Secure");
    }

    @Test
    void handleLocal_formFromAnotherOrigin_isRefused() throws IOException {
        Router console = console(TOKEN);
        Headers foreign = bearer().set("Origin", "https://evil.example").set("Host", "127.0.0.1:8787");

        Answer answer = call(console, "POST", "/console/keys", foreign, "name=a&environment=dev");

        assertThat(answer.status).isEqualTo(403);
        assertThat(call(console, "GET", "/console/keys", bearer(), "").body).contains("No keys yet.");
    }

    @Test
    void handleLocal_withoutAdminToken_consoleIsOff() throws IOException {
        Answer answer = call(console(null), "GET", "/console/", new Headers(), "");

        assertThat(answer.status).isEqualTo(404);
        assertThat(answer.body).contains("SPENDGATE_ADMIN_TOKEN");
    }

    @Test
    void handleLocal_budgetFormWithBadField_answers400NamingItAndSavesNothing() throws IOException {
        Router console = console(TOKEN);

        Answer answer = call(
                console, "POST", "/console/budgets", bearer(), "scope=team%3Aml&period=weekly&limit_usd=5&mode=block");

        assertThat(answer.status).isEqualTo(400);
        assertThat(answer.body).contains("Invalid &#39;period&#39;");
        assertThat(runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void handleLocal_budgetFormChangingTheLimit_keepsStoreErrorAndShardsItDoesNotShow() throws IOException {
        Router console = console(TOKEN);
        Answer set = putJson(
                console,
                "{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"100\",\"mode\":\"block\","
                        + "\"on_store_error\":\"fail_open\",\"shards\":4}");
        assertThat(set.status).as(set.body).isEqualTo(200);

        Answer changed = call(
                console,
                "POST",
                "/console/budgets",
                bearer(),
                "scope=feature%3Achatbot&period=monthly&limit_usd=150&mode=block&alert_at=&time_zone=");

        assertThat(changed.status).as(changed.body).isEqualTo(303);
        var policy = runtime.budgetStores()
                .policies()
                .find("feature:chatbot/monthly")
                .orElseThrow();
        assertThat(policy.limitUsd()).isEqualByComparingTo("150");
        assertThat(policy.onStoreError().label()).isEqualTo("fail_open");
        assertThat(policy.shards()).isEqualTo(4);
    }

    /**
     * A hand-written filter with a malformed percent escape ({@code R%D}) used to decode to nothing and be dropped: the
     * page showed the unfiltered total as if it were team R%D's. It is refused, naming the field.
     */
    @Test
    void handleLocal_spendFilterWithMalformedEscape_answers400NamingTheField() throws IOException {
        Router console = console(TOKEN);

        Answer answer = call(console, "GET", "/console/?team=R%D", bearer(), "");

        assertThat(answer.status).isEqualTo(400);
        assertThat(answer.body).contains("Invalid &#39;team&#39;").doesNotContain("data-testid=\"spend-total\"");
    }

    /**
     * A form value with a malformed escape used to decode to nothing, which the budget form takes as "keep the stored
     * value": the change was reported saved while the limit stayed as it was. It is refused, naming the field.
     */
    @Test
    void handleLocal_budgetFormWithMalformedEscape_answers400NamingTheFieldAndKeepsTheBudget() throws IOException {
        Router console = console(TOKEN);
        Answer set = putJson(
                console,
                "{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"100\",\"mode\":\"block\"}");
        assertThat(set.status).as(set.body).isEqualTo(200);

        Answer changed = call(
                console,
                "POST",
                "/console/budgets",
                bearer(),
                "scope=feature%3Achatbot&period=monthly&limit_usd=15%G0&mode=alert");

        assertThat(changed.status).as(changed.body).isEqualTo(400);
        assertThat(changed.body).contains("Invalid &#39;limit_usd&#39;");
        var policy = runtime.budgetStores()
                .policies()
                .find("feature:chatbot/monthly")
                .orElseThrow();
        assertThat(policy.limitUsd()).isEqualByComparingTo("100");
        assertThat(policy.mode().label()).isEqualTo("block");
    }

    @Test
    void handleLocal_budgetFormOnABudgetBeingResharded_showsTheApiWarning() throws IOException {
        Router console = console(TOKEN);
        String json = "{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"100\",\"mode\":\"block\","
                + "\"shards\":%d}";
        assertThat(putJson(console, json.formatted(2)).status).isEqualTo(200);
        assertThat(putJson(console, json.formatted(4)).status).isEqualTo(200);

        Answer changed = call(
                console,
                "POST",
                "/console/budgets",
                bearer(),
                "scope=feature%3Achatbot&period=monthly&limit_usd=150&mode=block&alert_at=&time_zone=");

        assertThat(changed.status).as(changed.body).isEqualTo(200);
        assertThat(changed.body)
                .contains("Saved budget feature:chatbot/monthly")
                .contains("shard count stays 2");
    }

    @Test
    void handleLocal_budgetsPage_saysAlertsCrossedOnlyWhenSettledSpendCrossedThem() throws IOException {
        Router console = console(TOKEN);
        Answer set = putJson(
                console, "{\"scope\":\"global\",\"period\":\"monthly\",\"limit_usd\":\"10\",\"mode\":\"block\"}");
        assertThat(set.status).as(set.body).isEqualTo(200);
        var policy = runtime.budgetStores().policies().list().get(0);
        var ledger = runtime.budgetStores().ledger();
        String item = policy.shardKey("*", java.time.Instant.now(), 0);
        // $1 settled, and one call in flight holding an $8 worst-case reservation
        ledger.reserve(item, policy.shardLimit(), java.math.BigDecimal.ONE);
        ledger.settle(item, java.math.BigDecimal.ONE, java.math.BigDecimal.ONE);
        ledger.reserve(item, policy.shardLimit(), new java.math.BigDecimal("8"));

        Answer page = call(console, "GET", "/console/budgets", bearer(), "");

        assertThat(page.status).isEqualTo(200);
        // 10 % settled: no alert was sent (the enforcer alerts on settled spend), so none may be shown as crossed
        assertThat(page.body).contains("none yet").doesNotContain("crossed (one alert each)");
    }

    @Test
    void handleLocal_spendTotal_leavesOutANegativeCostRecordAsTheMonthlyReportDoes() throws IOException {
        Router console = console(TOKEN);
        java.time.Instant at = java.time.Instant.now().minusSeconds(60);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            dev.spendgate.domain.usage.UsageRecordCodec.write(record("ok", at, "1.50"), out);
            dev.spendgate.domain.usage.UsageRecordCodec.write(record("bad", at, "-500"), out);
        }
        new dev.spendgate.embedded.FileSystemObjectStore(dataDir)
                .put(dev.spendgate.domain.usage.UsageLayout.hourPrefix(at) + "test.ndjson.gz", gz.toByteArray());

        Answer page = call(console, "GET", "/console/?by=feature", bearer(), "");

        assertThat(page.status).isEqualTo(200);
        // the board report quarantines a negative cost and leaves it out of every figure; the console adds it in
        assertThat(page.body).contains("<span data-testid=\"spend-total\">1.50</span>");
        assertThat(page.body).contains("Left out: 1 records with a negative cost");
    }

    private static dev.spendgate.domain.usage.UsageRecord record(String id, java.time.Instant start, String cost) {
        return dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new dev.spendgate.domain.attribution.Attribution(
                        "chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(dev.spendgate.domain.pricing.TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new java.math.BigDecimal(cost))
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }

    private static Answer putJson(Router console, String json) throws IOException {
        Answer answer = new Answer();
        console.handle(
                new GatewayRequest(
                        "PUT",
                        "/admin/budgets",
                        bearer().set("Content-Type", "application/json"),
                        json.getBytes(StandardCharsets.UTF_8)),
                Router.Caller.LOCAL,
                answer);
        return answer;
    }

    @Test
    void handleLocal_applyOnStoredFindings_pointsToAdvisorApplyAndChangesNothing() throws IOException {
        Router console = console(TOKEN);

        Answer noId = call(console, "GET", "/console/finding-apply", bearer(), "");
        Answer stored =
                call(console, "POST", "/console/finding-apply", bearer(), "id=model_mismatch%2Fx&confirm=yes&by=al");

        assertThat(noId.status).isEqualTo(400);
        assertThat(noId.body).contains("Field &#39;id&#39;");
        assertThat(stored.status).isEqualTo(404);
        assertThat(stored.body).contains("./spendgate advisor apply FINDING_ID");
        assertThat(dataDir.resolve("policy/gateway-policy.json")).doesNotExist();
    }

    @Test
    void handleLocal_spendWithBadDate_saysWhichFieldAndShowsTheMonth() throws IOException {
        Answer answer = call(console(TOKEN), "GET", "/console/?from=yesterday&by=colour", bearer(), "");

        assertThat(answer.status).isEqualTo(200);
        assertThat(answer.body)
                .contains("Invalid &#39;from&#39;", "Invalid &#39;by&#39;", "data-testid=\"spend-total\"");
    }

    @Test
    void router_adminConsole_onlyForIamSignedCaller() throws IOException {
        Router router = console(TOKEN);
        Answer signed = new Answer();
        Answer unsigned = new Answer();
        GatewayRequest request = new GatewayRequest("GET", "/admin/console/keys", new Headers(), new byte[0]);

        router.handle(request, Router.Caller.IAM_SIGNED, signed);
        router.handle(request, Router.Caller.UNSIGNED, unsigned);

        assertThat(signed.status).isEqualTo(200);
        assertThat(signed.body).contains("<h1>Proxy keys</h1>");
        assertThat(unsigned.status).isEqualTo(403);
        assertThat(call(router, "GET", "/admin/console/keys", bearer(), "").status)
                .as("locally the console is /console, not the admin API's path")
                .isEqualTo(404);
    }

    @Test
    void reportFile_outsideReportsFolder_isNotServed() throws IOException {
        Files.writeString(dataDir.resolve("keys.json"), "[]");
        Answer answer = call(console(TOKEN), "GET", "/console/report-file?key=reports/../keys.json", bearer(), "");

        assertThat(answer.status).isEqualTo(404);
    }

    @Test
    void chartAsset_isTheVersionPinnedInPackageJson() throws IOException {
        Answer chart = call(console(TOKEN), "GET", "/console/static/chart.umd.min.js", new Headers(), "");
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("package.json"))) {
            root = root.getParent();
        }

        assertThat(chart.status).isEqualTo(200);
        assertThat(root).isNotNull();
        String pinned = Files.readString(root.resolve("package.json"))
                .replaceAll("(?s).*\"chart.js\":\\s*\"([^\"]+)\".*", "$1");
        assertThat(chart.body).startsWith("/*!\n * Chart.js v" + pinned + "\n");
        Path npmCopy = root.resolve("node_modules/chart.js/dist/chart.umd.min.js");
        if (Files.exists(npmCopy)) {
            assertThat(chart.body).isEqualTo(Files.readString(npmCopy));
        }
    }

    private Router console(String token) {
        Map<String, String> env = new HashMap<>();
        if (token != null) {
            env.put("SPENDGATE_ADMIN_TOKEN", token);
        }
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(env), dataDir);
        return runtime.router();
    }

    private static Headers bearer() {
        return new Headers().set("Authorization", "Bearer " + TOKEN);
    }

    /** Through the local server's router, as a browser's request arrives. */
    private static Answer call(Router console, String method, String path, Headers headers, String form)
            throws IOException {
        return call(console, method, path, headers, form, false);
    }

    /** {@code tls}: as the local server marks a request it received over HTTPS. */
    private static Answer call(Router console, String method, String path, Headers headers, String form, boolean tls)
            throws IOException {
        Answer answer = new Answer();
        if (!form.isEmpty()) {
            headers.set("Content-Type", "application/x-www-form-urlencoded");
        }
        console.handle(
                new GatewayRequest(method, path, headers, form.getBytes(StandardCharsets.UTF_8), null, tls),
                Router.Caller.LOCAL,
                answer);
        return answer;
    }

    private static final class Answer implements ResponseSink {
        int status;
        Headers headers;
        String body;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public void start(int status, Headers headers, long contentLength) {
            this.status = status;
            this.headers = headers;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() {}

        @Override
        public void end() {
            body = out.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void abort() {}
    }
}
