package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileGatewayPolicyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local findings page after an action on the Budgets page, through the real local server. */
class ConsoleFindingsStaleReviewIT {
    private static final String TOKEN = "stale-review-token-81fa";

    @TempDir
    Path dataDir;

    private GatewayRuntime runtime;
    private LocalGatewayServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    /**
     * Brief: no stale figures after an action without saying so. The findings page advises "Put key chat-prod under a
     * budget ... ./spendgate budgets set --scope key:KEY_ID" (12 calls no budget covers). The admin does exactly that,
     * then reloads the findings page: for up to five minutes (the analysis is kept that long, README) it still lists
     * the key as ungoverned with its spend at risk, and says nowhere when the analysis it shows was made, so the
     * admin reads that the budget did not take. Either the change must drop the finding, or the page must say the
     * figures are as of an earlier time (as the stored-findings page says "generated ...").
     */
    @Test
    void findingsPage_afterTheAdvisedBudgetIsSet_dropsTheFindingOrSaysWhenItWasComputed() throws Exception {
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN)), dataDir);
        runtime.console()
                .useFindings(s -> new ConsoleFindings(
                        s, new FileGatewayPolicyStore(dataDir.resolve("policy/gateway-policy.json"))));
        server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
        HttpResponse<String> created = send("POST", "/admin/keys", "{\"name\":\"chat-prod\",\"environment\":\"prod\"}");
        assertThat(created.statusCode()).as(created.body()).isBetween(200, 201);
        String keyId = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(created.body())
                .path("id")
                .asText();
        Instant at = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(12, ChronoUnit.HOURS);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i = 0; i < 12; i++) {
                UsageRecordCodec.write(record("req-" + i, keyId, at.plusSeconds(120L * i)), out);
            }
        }
        new FileSystemObjectStore(dataDir).put(UsageLayout.hourPrefix(at) + "review.ndjson.gz", gz.toByteArray());

        String before = get("/console/findings").body();
        assertThat(before).as("the advice to budget the key").contains("--scope key:" + keyId);

        HttpResponse<String> set = send(
                "PUT",
                "/admin/budgets",
                "{\"scope\":\"key:" + keyId + "\",\"period\":\"monthly\",\"limit_usd\":\"10\",\"mode\":\"alert\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

        String after = get("/console/findings").body();

        assertThat(after)
                .as("after the budget was set: the finding is gone, or the page dates the analysis it shows")
                .satisfiesAnyOf(
                        page -> assertThat(page).doesNotContain("--scope key:" + keyId), page -> assertThat(page)
                                .containsPattern("(?i)(computed|generated|as of|cached|made)[^<]{0,30}\\d{2}:\\d{2}"));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static UsageRecord record(String id, String keyId, Instant start) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId(keyId)
                .attribution(new Attribution("chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 0, 200, 0))
                .costUsd(new BigDecimal("0.005"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-12-05")
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }
}
