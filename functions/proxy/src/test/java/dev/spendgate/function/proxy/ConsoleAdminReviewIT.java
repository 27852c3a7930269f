package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console and the admin API on a real local gateway (Jetty on a local port), driven over HTTP as a browser or
 * a script would: the figures a finance user compares with the monthly report, the work one page view may cause,
 * the admin API's answer to a malformed query, and the budget form's promise to keep what is left empty.
 */
class ConsoleAdminReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "adm-review-7d2c91f04b";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /**
     * README, Finance reports: a record whose cost is "above the model's highest per-token price times the call's
     * tokens (implausible) ... is quarantined, counted and left out of every figure"; UsageSummary promises "the CLI,
     * the console and the board report agree". A gpt-4o call of 1,200 input and 200 output tokens costs $0.005 at
     * $2.50/$10.00 per million (at most $0.0238 at the $17/M priority output rate); a record claiming $999,995 for it
     * is left out of the report's headline, so the Spend page must show $0.005 for the day, not $999,995.005.
     */
    @Test
    void spendPage_recordWithImplausibleCost_isLeftOutOfTheTotalAsTheMonthlyReportDoes() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-ok", at, "0.005"), record("req-implausible", at, "999995"));
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);

        HttpResponse<String> page = gw.send(admin("/console/?by=feature&from=" + day + "&to=" + day.plusDays(1))
                .GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(total(page.body()))
                .as("the Spend total the board report would show for these two records")
                .isEqualByComparingTo("0.005");
        assertThat(page.body())
                .as("the page says what it left out, as the report's data quality does")
                .contains("Left out: 1 records with a cost above the model");
    }

    /**
     * A call that never settled is recorded at the worst case reserved for it ({@code cost_basis: reserved_worst_case},
     * README "A call that never settled is counted at its worst case": "The record says it is an estimate"), and
     * {@code ./spendgate usage}, whose sums the Spend page shows, says how much of COST_USD is such an estimate ("$5.00
     * of COST_USD is the worst case reserved for them, an estimate, not an amount billed"). The Spend page shows the
     * same 5.005 total and says nothing: a finance reader takes $5.00 of guesswork for billed spend.
     */
    @Test
    void spendPage_worstCaseEstimate_isStatedBesideTheTotalAsUsageDoes() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        UsageRecord unsettled = UsageRecord.builder()
                .requestId("req-unsettled")
                .tsStart(at)
                .tsEnd(at.plusSeconds(900))
                .keyId("key_1")
                .attribution(new Attribution("chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .costUsd(new BigDecimal("5.00"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        writeLog(at, record("req-ok", at, "0.005"), unsettled);
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);

        HttpResponse<String> page = gw.send(admin("/console/?by=feature&from=" + day + "&to=" + day.plusDays(1))
                .GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(total(page.body())).isEqualByComparingTo("5.005");
        assertThat(page.body())
                .as("the page must say that part of the total is a worst-case estimate, as ./spendgate usage does")
                .containsIgnoringCase("worst case")
                .containsIgnoringCase("estimate");
        assertThat(page.body())
                .as("how much, as usage says it")
                .contains("1 calls never settled")
                .contains("5.00 USD");

        HttpResponse<String> calls = gw.send(admin("/console/calls").GET());

        assertThat(calls.statusCode()).isEqualTo(200);
        assertThat(calls.body())
                .as("Recent calls marks the estimated row")
                .contains("<tr data-cost-basis=\"reserved_worst_case\">")
                .contains("worst-case estimate (never settled)");
        assertThat(calls.body().split("worst-case estimate", -1))
                .as("only the unsettled call")
                .hasSize(2);
    }

    /**
     * The Spend page keeps a query's result for a minute under a key built from the filters map's {@code toString()}.
     * A filter value is free text, so "only feature = {@code chat, department=engineering}" (a typo, or a pasted
     * string; it matches no record, total 0) has the same key as "only feature = chat and department = engineering",
     * and the second query then shows the first one's $0 instead of the $0.005 the log holds for it.
     */
    @Test
    void spendPage_filteredQuery_isNotAnsweredFromTheCacheOfADifferentFilter() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-ok", at, "0.005"));
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        String window = "/console/?by=feature&from=" + day + "&to=" + day.plusDays(1);

        HttpResponse<String> typo = gw.send(
                admin(window + "&feature=chat%2C%20department%3Dengineering").GET());
        HttpResponse<String> real =
                gw.send(admin(window + "&feature=chat&department=engineering").GET());

        assertThat(total(typo.body())).isEqualByComparingTo("0");
        assertThat(total(real.body()))
                .as("feature chat and department engineering: the one $0.005 record in the log")
                .isEqualByComparingTo("0.005");
    }

    /**
     * One page view must not turn into an unbounded walk of the log: the Spend page lists the usage log one day
     * prefix at a time from {@code from} to {@code to}, with no cap on the window, so a typo'd year (1900 for 2026)
     * makes 46,000 store listings for data held in one day (in AWS each is an S3 LIST, billed per request, and the
     * page does not answer before the Lambda's timeout for a window of centuries). The Recent calls page caps its
     * window (744 hours); the Spend page should either refuse an over-long window naming the field or not list
     * empty days one by one. Either way a page view over one day of data stays within a thousand listings.
     */
    @Test
    void spendPage_windowOfACentury_doesNotListEveryDayOfIt() throws Exception {
        AtomicLong listings = new AtomicLong();
        gw = GatewayFixture.with(
                new FileKeyStore(dir.resolve("keys.json")),
                counting(new FileSystemObjectStore(dir), listings),
                new FileSystemUsageSpool(dir.resolve("spool")),
                LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(ProxyConfig.fromEnv(Map.of()))),
                Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-ok", at, "0.005"));
        listings.set(0);

        HttpResponse<String> page =
                gw.send(admin("/console/?from=1900-01-01&to=2100-01-01").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(listings.get())
                .as("usage log listings made by one Spend page view over a window holding one day of data")
                .isLessThanOrEqualTo(1_000);
        assertThat(page.body())
                .as("the page names the window it refused")
                .contains("Invalid &#39;from&#39; and &#39;to&#39;: 1900-01-01T00:00:00Z to 2100-01-01T00:00:00Z");
    }

    /**
     * common.md and README (Endpoints): bad input gets a 4xx with a JSON body naming the field. A DELETE whose
     * {@code scope} carries a broken percent escape is bad input from the client; today it is an empty 500.
     */
    @Test
    void adminDeleteBudget_malformedPercentEscape_is400NamingScope() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        String answer = raw("DELETE /admin/budgets?scope=feature%3Achatbot%zz&period=monthly");

        String status = answer.substring(0, answer.indexOf("\r\n"));
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(status).as(answer).startsWith("HTTP/1.1 400");
        assertThat(JSON.readTree(body).at("/error/param").asText()).isEqualTo("scope");
    }

    /**
     * README, Web console, Budgets: "a form to set or change one (fields left empty keep the stored values)". Changing
     * only the alert thresholds of an existing $100 budget, with the limit field left empty, must keep the $100.
     */
    @Test
    void budgetForm_limitLeftEmpty_keepsTheStoredLimit() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        HttpResponse<String> set = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"100\",\"mode\":\"alert\",\"alert_at\":[50]}")));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

        HttpResponse<String> form = gw.send(admin("/console/budgets")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "scope=feature%3Achatbot&period=monthly&limit_usd=&mode=alert&alert_at=80&time_zone=")));

        assertThat(form.statusCode()).as(form.body()).isEqualTo(303);
        JsonNode stored =
                JSON.readTree(gw.send(admin("/admin/budgets").GET()).body()).at("/budgets/0");
        assertThat(new BigDecimal(stored.path("limit_usd").asText())).isEqualByComparingTo("100");
        assertThat(stored.path("alert_at").toString()).isEqualTo("[80]");
    }

    /**
     * The same promise for the mode: the form is one for every budget, so its mode select cannot know the stored mode
     * of the budget a user types in. It preselected {@code block}, so changing only the limit of an alert-only budget
     * (the browser sends the preselected option) silently made it refuse calls with 429 once over. The select now
     * starts on "keep the stored mode", which the browser sends as an empty value.
     */
    @Test
    void budgetForm_modeLeftAsTheFormShowsIt_keepsTheStoredAlertMode() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        HttpResponse<String> set = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"100\",\"mode\":\"alert\",\"alert_at\":[50]}")));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

        String page = gw.send(admin("/console/budgets").GET()).body();
        String select = page.substring(
                page.indexOf("<select id=\"f-mode\""),
                page.indexOf("</select>", page.indexOf("<select id=\"f-mode\"")));
        java.util.regex.Matcher selected = java.util.regex.Pattern.compile("<option value=\"([^\"]*)\" selected>")
                .matcher(select);
        assertThat(selected.find()).as(select).isTrue();
        String sent = selected.group(1);

        HttpResponse<String> form = gw.send(admin("/console/budgets")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("scope=feature%3Achatbot&period=monthly&limit_usd=200&mode="
                        + sent + "&alert_at=&time_zone=")));

        assertThat(form.statusCode()).as(form.body()).isEqualTo(303);
        JsonNode stored =
                JSON.readTree(gw.send(admin("/admin/budgets").GET()).body()).at("/budgets/0");
        assertThat(new BigDecimal(stored.path("limit_usd").asText())).isEqualByComparingTo("200");
        assertThat(stored.path("mode").asText())
                .as("only the limit was changed")
                .isEqualTo("alert");
    }

    /**
     * README, Web console, Budgets: the page shows the "alert thresholds crossed by settled spend (what alerts
     * follow)". The enforcer judges a sharded budget by the shard a call settled on ("shards fill evenly, calls land at
     * random"): with a $10 budget in 2 shards ($5 each), $4.50 settled on shard 0 is 90 % of that shard and sends the
     * 80 % alert. The page divides the whole spend by the whole limit (45 %) and says no alert was crossed.
     */
    @Test
    void budgetsPage_shardedBudget_showsTheAlertTheEnforcerSent() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        HttpResponse<String> set = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"global\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"10\",\"mode\":\"alert\",\"alert_at\":[80],\"shards\":2}")));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        var policy = gw.runtime.budgetStores().policies().list().get(0);
        var ledger = gw.runtime.budgetStores().ledger();
        String shard0 = policy.shardKey("*", Instant.now(), 0);
        BigDecimal spent = new BigDecimal("4.50");
        ledger.reserve(shard0, policy.shardLimit(), spent);
        ledger.settle(shard0, spent, spent);
        assertThat(spent.multiply(BigDecimal.valueOf(100)).divide(policy.shardLimit()))
                .as("the shard's settled spend in % of its limit, as BudgetEnforcer.alertIfCrossed computes it")
                .isEqualByComparingTo("90");

        HttpResponse<String> page = gw.send(admin("/console/budgets").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("crossed (one alert each): 80 %").doesNotContain("none yet");
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    /** One request over a raw socket, for a target the JDK's URI refuses to build (a malformed escape). */
    private String raw(String requestLine) throws IOException {
        try (Socket socket =
                new Socket("127.0.0.1", URI.create(gw.server.baseUrl()).getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try (InputStream in = socket.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    private static BigDecimal total(String html) {
        String marker = "<span data-testid=\"spend-total\">";
        int start = html.indexOf(marker);
        assertThat(start).as(html).isGreaterThanOrEqualTo(0);
        start += marker.length();
        return new BigDecimal(html.substring(start, html.indexOf('<', start)));
    }

    private void writeLog(Instant at, UsageRecord... records) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (UsageRecord r : records) {
                UsageRecordCodec.write(r, out);
            }
        }
        new FileSystemObjectStore(dir).put(UsageLayout.hourPrefix(at) + "review.ndjson.gz", gz.toByteArray());
    }

    private static UsageRecord record(String id, Instant start, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution("chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 0, 200, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-12-05")
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }

    /** The gateway's store, counting every listing (what S3 bills per LIST request). */
    private static ObjectStore counting(ObjectStore store, AtomicLong listings) {
        return new ObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                store.put(key, content);
            }

            @Override
            public boolean putIfAbsent(String key, byte[] content) {
                return store.putIfAbsent(key, content);
            }

            @Override
            public void delete(String key) {
                store.delete(key);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return store.get(key);
            }

            @Override
            public Optional<InputStream> open(String key) {
                return store.open(key);
            }

            @Override
            public List<String> list(String prefix) {
                listings.incrementAndGet();
                return store.list(prefix);
            }

            @Override
            public List<Listed> listWithSizes(String prefix) {
                listings.incrementAndGet();
                return store.listWithSizes(prefix);
            }
        };
    }
}
