package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's figures as a CFO and a team lead read them (round three): the chart against the table, the
 * budgets' periods against the Spend page's, and the calls the gateway refused, on a real local gateway over HTTP.
 */
class ConsoleFinanceRoundThreeReviewIT {
    private static final String TOKEN = "fin-review-3c2d9e41f7";
    private static final ObjectMapper JSON = new ObjectMapper();

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
     * README, Web console, Spend: "a stacked chart per day or hour, and a table by feature"; the chart's canvas says
     * "the table below has the figures". Past eight series the chart folds the smallest into a series it labels
     * "other", a name a real feature may carry (only parentheses are reserved, as in "(none)"). Here feature "other"
     * spent $0.025 (five calls; the table's row "other"), eight features $0.010 each and "tail" $0.005: the chart's
     * "other" bar reads $0.040, the real feature's spend plus the folded feature-8's and tail's, 60 % more than the
     * table's row of the same name, and feature-8 and tail appear nowhere in the chart.
     */
    @Test
    void spendChart_featureNamedOther_isNotMergedWithTheFoldedSeries() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        List<UsageRecord> records = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            records.add(record("req-other-" + n, at, "other", "0.005"));
        }
        for (int i = 1; i <= 8; i++) {
            records.add(record("req-f" + i + "-a", at, "feature-" + i, "0.005"));
            records.add(record("req-f" + i + "-b", at, "feature-" + i, "0.005"));
        }
        records.add(record("req-tail", at, "tail", "0.005"));
        writeLog(at, records.toArray(UsageRecord[]::new));
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);

        HttpResponse<String> page = gw.send(admin("/console/?by=feature&from=" + day + "&to=" + day.plusDays(1))
                .GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<tr data-key=\"other\">");
        JsonNode chart = chart(page.body());
        BigDecimal chartOther = BigDecimal.ZERO;
        for (JsonNode set : chart.path("datasets")) {
            if (set.path("label").asText().equals("other")) {
                for (JsonNode v : set.path("data")) {
                    chartOther = chartOther.add(v.decimalValue());
                }
            }
        }
        assertThat(chartOther)
                .as("the chart's series \"other\" is the table's row \"other\", $0.025, not it plus folded features")
                .isEqualByComparingTo("0.025");
        BigDecimal folded = BigDecimal.ZERO;
        for (JsonNode set : chart.path("datasets")) {
            if (set.path("label").asText().equals("(2 others)")) {
                for (JsonNode v : set.path("data")) {
                    folded = folded.add(v.decimalValue());
                }
            }
        }
        assertThat(folded)
                .as("feature-8 and tail, folded, under a label no feature can have")
                .isEqualByComparingTo("0.015");
    }

    /**
     * README, Web console, Budgets: "% used against % of the period gone by (... the period of the time zone in force,
     * as budgets status names it ...)"; the Spend page counts "this month" in UTC, as the monthly report does. A
     * monthly budget in America/Los_Angeles counts its month from 08:00 UTC on the 1st to 08:00 UTC on the next 1st,
     * so its "Spent USD" differs from the Spend page's month total for the same calls. The Budgets row reads
     * "monthly 2026-12" and names no zone anywhere: finance comparing the two pages sees two figures for "December"
     * with nothing saying they are different months.
     */
    @Test
    void budgetsPage_budgetInAnotherTimeZone_namesTheZoneItsPeriodIsCountedIn() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        HttpResponse<String> put = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"global\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"1000\",\"mode\":\"alert\",\"time_zone\":\"America/Los_Angeles\"}")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        HttpResponse<String> page = gw.send(admin("/console/budgets").GET());

        assertThat(page.statusCode()).isEqualTo(200);
        String body = page.body();
        String table = body.substring(body.indexOf("data-testid=\"budgets-table\""), body.indexOf("</table>"));
        assertThat(table)
                .as("the budget's row or the table says its month is America/Los_Angeles's, not UTC's")
                .contains("America/Los_Angeles");
    }

    /**
     * README, Finance reports: the data quality section of the board PDF counts "Rejected calls ... refused by the
     * gateway or provider; nothing billed" apart (DataQuality.rejectedCalls: no cost, status 4xx/5xx or an error type),
     * as it counts estimated and unpriced calls. The Spend page counts 1 call billed $0.005 and 2 calls a budget
     * refused (429 budget_exceeded, nothing forwarded) as "3 calls", and its source line names unpriced, estimated,
     * worst-case and quarantined records but not these: a team lead reads three calls at $0.005, a cost per call a
     * third of the real one, with no word that two were refused.
     */
    @Test
    void spendPage_callsTheGatewayRefused_areCountedApartAsTheReportDoes() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Instant at = Instant.now().minusSeconds(60);
        writeLog(at, record("req-ok", at, "chat", "0.005"), refused("req-429-a", at), refused("req-429-b", at));
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);

        HttpResponse<String> page = gw.send(admin("/console/?by=feature&from=" + day + "&to=" + day.plusDays(1))
                .GET());

        assertThat(page.statusCode()).isEqualTo(200);
        String body = page.body();
        String total = body.substring(body.indexOf("id=\"total-h\""), body.indexOf("</section>"));
        assertThat(total).contains("3 calls");
        assertThat(total)
                .as("the total says 2 of the 3 calls were refused (nothing billed), as the report's data quality does")
                .containsPattern("2 (calls )?(were )?(refused|rejected)");
    }

    // ---- helpers

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    private static JsonNode chart(String html) throws IOException {
        String marker = "<script type=\"application/json\" id=\"spend-chart-data\">";
        int start = html.indexOf(marker);
        assertThat(start).as(html).isGreaterThanOrEqualTo(0);
        start += marker.length();
        return JSON.readTree(html.substring(start, html.indexOf("</script>", start)));
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

    private static UsageRecord.Builder base(String id, Instant start, String feature) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution(feature, "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .pricingVersion("2026-12-05")
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2);
    }

    private static UsageRecord record(String id, Instant start, String feature, String cost) {
        return base(id, start, feature)
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 0, 200, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    /** A call a blocking budget refused before forwarding, as the gateway records it. */
    private static UsageRecord refused(String id, Instant start) {
        return base(id, start, "chat")
                .statusCode(429)
                .errorType("budget_exceeded")
                .tokens(TokenUsage.ZERO)
                .pricingStatus(UsageRecord.PricingStatus.NOT_BILLABLE)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .upstreamMs(0)
                .build();
    }
}
