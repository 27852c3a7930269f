package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's figures as a finance reader compares them with the CLI, the findings document and the monthly
 * report, on a real local gateway driven over HTTP. The findings page of a gateway that has no live analysis plugged
 * in (this fixture, and every deployed gateway) is the stored-findings page: the newest {@code findings/YYYY-MM-DD.json}.
 */
class ConsoleFinanceFiguresReviewIT {
    private static final String TOKEN = "fin-review-5b1e77c0a9";

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
     * README, Waste detection: governance findings "save nothing by themselves" and "follow by spend at risk"
     * ({@code monthly_spend_at_risk_usd}); the local findings page and {@code ./spendgate waste} print such a finding
     * as "$1,234.50 at risk". The stored-findings page (the deployed console) prints its {@code monthly_savings_usd},
     * "$0.00", in the USD / month column: an ungoverned key spending $1,234.50 a month reads as a $0 finding.
     */
    @Test
    void storedFindingsPage_governanceFinding_showsItsSpendAtRiskNotZeroDollars() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        put("findings/2026-12-05.json", findingsDoc("{}"));

        HttpResponse<String> page = gw.send(admin("/console/findings").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        String row = row(page.body(), "ungoverned_key");
        assertThat(row)
                .as("the finding's monthly spend at risk, as the local page and the CLI show it")
                .contains("$1,234.50 at risk")
                .doesNotContain("$0.00");
    }

    /**
     * README, Web console, Findings: "AI Efficiency Score, findings ..., score per feature", source in AWS "the newest
     * findings/YYYY-MM-DD.json the daily waste run stored". The document holds {@code efficiency_score.features}
     * (support: score 42 on $812.00 spend); the stored page shows the overall score and no per-feature score at all.
     */
    @Test
    void storedFindingsPage_showsTheScorePerFeatureOfTheDocument() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        put("findings/2026-12-05.json", findingsDoc("{}"));

        HttpResponse<String> page = gw.send(admin("/console/findings").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .as("the feature's own score and spend from efficiency_score.features")
                .contains("support")
                .contains(">42<")
                .contains("$812.00");
    }

    /**
     * Brief: figures shown to finance say what data quality they rest on; README (Finance reports, data quality): the
     * waste run quarantines implausible costs and counts them in the stored document's {@code
     * input.quarantined_records}, and counts damaged objects and unreadable lines ({@code unreadable_objects}, {@code
     * malformed_lines_skipped}). The local findings page states skipped input ("Skipped: N damaged log objects, ...");
     * the stored page shows "$X per month recoverable" from a document that skipped 3 damaged objects, 17 unreadable
     * lines and quarantined 4 records without a word about any of them.
     */
    @Test
    void storedFindingsPage_statesTheSkippedAndQuarantinedInputOfTheDocument() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        put(
                "findings/2026-12-05.json",
                findingsDoc("{\"objects\":40,\"records\":5000,\"duplicates_skipped\":0,\"malformed_lines_skipped\":17,"
                        + "\"unreadable_objects\":3,\"quarantined_records\":4,"
                        + "\"quarantined_by_reason\":{\"implausible_cost\":4},\"warnings\":[]}"));

        HttpResponse<String> page = gw.send(admin("/console/findings").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .as("the damaged objects and unreadable lines the figures left out, as the local page states them")
                .contains("3 damaged log objects")
                .contains("17 unreadable");
        assertThat(page.body()).as("the quarantined records").containsPattern("4 (quarantined )?records");
    }

    /**
     * Dollar figures on the console must read the same on every machine: the CLI prints {@code 1234.50}, the board
     * report and the findings JSON use a point. {@code Html.usd} formats with {@code String.format("%,.2f")}, i.e.
     * the JVM's default locale (taken from {@code LANG}), so a gateway started on a German-locale laptop shows
     * "$1.234,50" for $1,234.50: with a dollar sign, a reader takes it for one dollar and change.
     */
    @Test
    void findingsPage_underAGermanDefaultLocale_stillShowsDollarsWithADecimalPoint() throws Exception {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try {
            gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
            put("findings/2026-12-05.json", findingsDoc("{}"));

            HttpResponse<String> page = gw.send(admin("/console/findings").GET());

            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body())
                    .as("monthly_savings_usd 1234.5 as the CLI and the report write it")
                    .contains("$1,234.50 per month recoverable")
                    .doesNotContain("$1.234,50");
        } finally {
            Locale.setDefault(before);
        }
    }

    /**
     * README, Web console, Spend: "a table by feature, ... with filters on each of them". Calls without a feature are
     * the table's "(none)" row ($0.005 here; UsageSummary keys a missing value as "(none)", and no attribution value
     * may contain parentheses, so the label is unambiguous). Filtering on what the table shows, "Only feature:
     * (none)", compares the text with the record's null feature and matches nothing: the page shows a total of 0 USD
     * and 0 calls, a $0 that looks real, for spend the unfiltered page lists.
     */
    @Test
    void spendPage_filterOnTheNoneRow_showsThatRowsSpend() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-chat", at, "chat", "0.005"), record("req-none", at, null, "0.005"));
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        String window = "/console/?by=feature&from=" + day + "&to=" + day.plusDays(1);

        String unfiltered = gw.send(admin(window).GET()).body();
        assertThat(unfiltered).contains("<tr data-key=\"(none)\">");

        HttpResponse<String> filtered =
                gw.send(admin(window + "&feature=%28none%29").GET());

        assertThat(filtered.statusCode()).isEqualTo(200);
        assertThat(total(filtered.body()))
                .as("the (none) row's spend, as the unfiltered table lists it")
                .isEqualByComparingTo("0.005");
    }

    /**
     * README, Finance reports, manifest.json: "The files are written one by one: a run that fails half way leaves the
     * last complete run's manifest, and a file whose hash differs from it belongs to the failed run." The Reports
     * page offers each file of reports/YYYY-MM/ for download as the month's report. Here a re-run failed after
     * writing chargeback.csv: the manifest (and the board PDF beside it) are the complete run's, $1,000.00, while
     * chargeback.csv sums to $1,250.00. The page lists it like any other file, so finance books a chargeback that
     * disagrees with the board report, with nothing on the page saying the file is not the manifest's.
     */
    @Test
    void reportsPage_fileWhoseHashDiffersFromTheManifest_isMarked() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        byte[] good = "month,department,amount_usd\n2026-11,support,1000.00\n".getBytes(StandardCharsets.UTF_8);
        byte[] failedRun = "month,department,amount_usd\n2026-11,support,1250.00\n".getBytes(StandardCharsets.UTF_8);
        byte[] pdf = "%PDF-1.7 board".getBytes(StandardCharsets.UTF_8);
        put(
                "reports/2026-11/manifest.json",
                "{\"schema_version\":1,\"month\":\"2026-11\",\"month_state\":\"complete\","
                        + "\"generated_at\":\"2026-12-01T06:00:00Z\",\"billed_cost_usd\":\"1000.00\",\"files\":["
                        + "{\"name\":\"chargeback.csv\",\"bytes\":" + good.length + ",\"sha256\":\"" + sha256(good)
                        + "\"},{\"name\":\"board-report.pdf\",\"bytes\":" + pdf.length + ",\"sha256\":\""
                        + sha256(pdf) + "\"}]}");
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put("reports/2026-11/chargeback.csv", failedRun);
        store.put("reports/2026-11/board-report.pdf", pdf);

        HttpResponse<String> page = gw.send(admin("/console/reports").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        String item = listItem(page.body(), "chargeback.csv");
        assertThat(item)
                .as("the entry of a file whose SHA-256 is not the manifest's says so")
                .containsIgnoringCase("manifest");
        assertThat(listItem(page.body(), "board-report.pdf")).doesNotContainIgnoringCase("manifest");
    }

    /**
     * README, Finance reports: the manifest's "month_state says whether the month was complete: a preview of the
     * running month is emailed once". A run during December writes reports/2026-12/ with month_state "running"; the
     * Reports page lists December's board report and chargeback beside November's complete ones with nothing saying
     * December's are a preview of a month still under way (its totals will grow).
     */
    @Test
    void reportsPage_runningMonthPreview_isSaidToBeAPreview() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        byte[] csv = "month,department,amount_usd\n2026-12,support,80.00\n".getBytes(StandardCharsets.UTF_8);
        put(
                "reports/2026-12/manifest.json",
                "{\"schema_version\":1,\"month\":\"2026-12\",\"month_state\":\"running\","
                        + "\"generated_at\":\"2026-12-05T06:00:00Z\",\"billed_cost_usd\":\"80.00\",\"files\":["
                        + "{\"name\":\"chargeback.csv\",\"bytes\":" + csv.length + ",\"sha256\":\"" + sha256(csv)
                        + "\"}]}");
        new FileSystemObjectStore(dir).put("reports/2026-12/chargeback.csv", csv);

        HttpResponse<String> page = gw.send(admin("/console/reports").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        String month = page.body().substring(page.body().indexOf("<h2>2026-12</h2>") - 4);
        month = month.substring(0, month.indexOf("</ul></li>"));
        assertThat(month)
                .as("December's entry says it is a preview of the running month")
                .containsPattern("(?i)preview|running|not complete|incomplete");
    }

    /**
     * README, Budgets: "A changed time zone waits for the period's end too (the zone in force then,
     * previous_time_zone in the admin API's policy JSON)": a daily budget moved from UTC to Pacific/Kiritimati (UTC+14)
     * keeps counting today's spend on the UTC day until it ends, and the status's spent and forecast are of that UTC
     * day. The Budgets page labels the row with the pending zone's day (period_key from the new zone: from 10:00 UTC on,
     * tomorrow's date) and computes "% of period" against Kiritimati's day, 58 points off the UTC day the spend is on,
     * so "ahead of / within pace" is judged against the wrong clock.
     */
    @Test
    void budgetsPage_pendingTimeZoneChange_showsThePeriodAndPaceOfTheZoneInForce() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String utc = "{\"scope\":\"global\",\"period\":\"daily\",\"limit_usd\":\"10\",\"mode\":\"alert\","
                + "\"time_zone\":\"%s\"}";
        assertThat(putBudget(utc.formatted("UTC")).statusCode()).isEqualTo(200);
        HttpResponse<String> moved = putBudget(utc.formatted("Pacific/Kiritimati"));
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        String policy = gw.send(admin("/admin/budgets").GET()).body();
        assertThat(policy).as("the UTC day stays in force").contains("\"previous_time_zone\":\"UTC\"");
        // a budget first set before today (as if set yesterday): one set just now is paced from its setting on
        var policies = gw.runtime.budgetStores().policies();
        var stored = policies.find("global/daily").orElseThrow();
        policies.put(stored.withSince(Instant.now().minus(java.time.Duration.ofDays(2))));

        LocalDate dayBefore = LocalDate.now(ZoneOffset.UTC);
        HttpResponse<String> page = gw.send(admin("/console/budgets").GET());
        Instant now = Instant.now();

        assertThat(page.statusCode()).isEqualTo(200);
        String row = page.body().substring(page.body().indexOf("<th scope=\"row\">global</th>"));
        row = row.substring(0, row.indexOf("</tr>"));
        assertThat(row)
                .as("the period the spend is counted in: today's UTC day")
                .containsAnyOf("daily " + dayBefore, "daily " + LocalDate.ofInstant(now, ZoneOffset.UTC));
        java.util.regex.Matcher pace =
                java.util.regex.Pattern.compile("/ ([0-9.]+) % of period").matcher(row);
        assertThat(pace.find()).as(row).isTrue();
        double utcPace = (now.getEpochSecond() % 86_400) / 864.0;
        assertThat(Double.parseDouble(pace.group(1)))
                .as("share of the UTC day gone by")
                .isCloseTo(utcPace, org.assertj.core.data.Offset.offset(0.5));
    }

    /**
     * README, Finance reports (data quality): a record whose cost is implausible for its tokens "is quarantined,
     * counted and left out of every figure"; the Spend page leaves it out and says so ("Left out: 1 records with a cost
     * above the model's maximum for its tokens"). The Recent calls page lists the same record's $999,995 in its Cost
     * USD column like any billed call, counts it among "the last 2 of 2 calls", and marks nothing: the one page that
     * shows it presents the quarantined cost as real spend (the Spend page over the same hour says 1 call, 0.005 USD).
     */
    @Test
    void callsPage_recordWithImplausibleCost_isMarkedAsLeftOutOfTheFigures() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-ok", at, "chat", "0.005"), record("req-big", at, "chat", "999995"));

        HttpResponse<String> calls = gw.send(admin("/console/calls").GET());

        assertThat(calls.statusCode()).isEqualTo(200);
        String body = calls.body();
        int id = body.indexOf("<code>req-big</code>");
        assertThat(id).as(body).isGreaterThanOrEqualTo(0);
        String row = body.substring(body.lastIndexOf("<tr", id), body.indexOf("</tr>", id));
        assertThat(row)
                .as("the quarantined record's row says it is left out of the figures, as the Spend page does")
                .containsPattern("(?i)quarantin|left out|implausible");
    }

    private HttpResponse<String> putBudget(String json) {
        return gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    // ---- helpers

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    private void put(String key, String json) {
        new FileSystemObjectStore(dir).put(key, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A findings document as WasteReportJson writes it: one model-mismatch finding worth $1,234.50 a month, one
     * ungoverned-key finding with $1,234.50 a month at risk, and the score of feature "support".
     */
    private static String findingsDoc(String input) {
        return """
                {"format_version":1,"generated_at":"2026-12-05T02:00:00Z",
                 "window":{"from":"2026-11-05T00:00:00Z","to":"2026-12-05T00:00:00Z","days":30.0},
                 "input":%s,
                 "calls_analysed":5000,"spend_usd":"2500.00","monthly_savings_usd":"1234.5",
                 "efficiency_score":{"overall":61,"overall_covered_percent_of_spend":"80.0","covers":"...",
                   "features":[{"feature":"support","score":42,"spend_usd":"812.00","waste_usd":"400.00",
                     "at_risk_usd":"0","covered_percent_of_spend":"90.0"}]},
                 "recommended_settings":[],
                 "findings":[
                  {"id":"model_mismatch/feature:support/gpt-4o","category":"model_mismatch","kind":"model_mismatch",
                   "scope":{"type":"feature","value":"support","feature":"support","model":"gpt-4o"},
                   "evidence":{"calls":900,"wasteful_calls":800,"first_seen":"2026-11-06T09:00:00Z",
                     "last_seen":"2026-12-04T17:00:00Z","example_request_ids":["req_1"]},
                   "window_savings_usd":"1234.5","monthly_savings_usd":"1234.5","monthly_spend_at_risk_usd":"0",
                   "savings_formula":"...","recommendation":"Move support to gpt-4o-mini",
                   "owner":{"department":"support","team":null,"cost_centre":null,"gl_account":null,"basis":"none"}},
                  {"id":"ungoverned_key/key:key_9/no_budget","category":"ungoverned_key","kind":"no_budget",
                   "scope":{"type":"key","value":"key_9","feature":null,"model":null},
                   "evidence":{"calls":300,"wasteful_calls":300,"first_seen":"2026-11-06T09:00:00Z",
                     "last_seen":"2026-12-04T17:00:00Z","example_request_ids":["req_2"]},
                   "window_savings_usd":"0","monthly_savings_usd":"0","monthly_spend_at_risk_usd":"1234.50",
                   "savings_formula":"...","recommendation":"budgets set --scope key:key_9",
                   "owner":{"department":"sales","team":null,"cost_centre":null,"gl_account":null,"basis":"none"}}],
                 "advisor":[]}
                """.formatted(input);
    }

    /** The findings table's row whose category cell is {@code category}. */
    private static String row(String html, String category) {
        int cell = html.indexOf("<td>" + category + "</td>");
        assertThat(cell).as(html).isGreaterThanOrEqualTo(0);
        int start = html.lastIndexOf("<tr>", cell);
        return html.substring(start, html.indexOf("</tr>", cell));
    }

    private static String listItem(String html, String file) {
        int at = html.indexOf(">" + file + "</a>");
        assertThat(at).as(html).isGreaterThanOrEqualTo(0);
        return html.substring(html.lastIndexOf("<li>", at), html.indexOf("</li>", at));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
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

    private static UsageRecord record(String id, Instant start, String feature, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution(feature, "engineering", null, "prod", null, null, null))
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
}
