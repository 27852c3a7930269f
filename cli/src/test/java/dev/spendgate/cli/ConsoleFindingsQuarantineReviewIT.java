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

/** The local findings page over records the monthly report quarantines, through the real local server. */
class ConsoleFindingsQuarantineReviewIT {
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
     * README, Finance reports (data quality): a record whose cost is implausible for its tokens "is quarantined,
     * counted and left out of every figure (headline, FOCUS, chargeback, waste, ...)"; the stored findings document
     * counts them ({@code input.quarantined_records}) and the Spend page says "Left out: 1 records with a cost above
     * the model's maximum for its tokens". The findings page over the same day leaves the $999,995 record out of its
     * "analysed" spend (right) but says nothing of it: its score and dollars rest on data it silently dropped, while
     * it does state damaged objects and unreadable lines.
     */
    @Test
    void findingsPage_recordWithImplausibleCost_isStatedAsLeftOut() throws Exception {
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN)), dataDir);
        runtime.console()
                .useFindings(s -> new ConsoleFindings(
                        s, new FileGatewayPolicyStore(dataDir.resolve("policy/gateway-policy.json"))));
        server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
        Instant at = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(12, ChronoUnit.HOURS);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            UsageRecordCodec.write(record("req-ok", "key_1", at, "0.005"), out);
            UsageRecordCodec.write(record("req-implausible", "key_1", at.plusSeconds(60), "999995"), out);
        }
        new FileSystemObjectStore(dataDir).put(UsageLayout.hourPrefix(at) + "review.ndjson.gz", gz.toByteArray());
        String day = at.toString().substring(0, 10);
        String next = at.plus(1, ChronoUnit.DAYS).toString().substring(0, 10);

        String spend = get("/console/?from=" + day + "&to=" + next).body();
        assertThat(spend).as("the Spend page states it").contains("Left out: 1 records with a cost above the model");

        String findings = get("/console/findings").body();

        assertThat(findings).as("the implausible cost is not analysed").doesNotContain("999,995");
        assertThat(findings)
                .as("the findings page says a record was left out, as the Spend page and the findings JSON do")
                .containsPattern("(?i)(1 records?[^<]{0,80}(quarantin|left out|cost above))|(quarantin[^<]{0,40}1\\b)");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static UsageRecord record(String id, String keyId, Instant start, String cost) {
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
