package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InvokeModel names its service tier in the {@code X-Amzn-Bedrock-Service-Tier} request header (Converse in the body);
 * the gateway forwards that header, so Bedrock bills the tier asked for, and the record must not price it as
 * standard (the catalog has no Bedrock priority or flex rates: such calls are unpriced until added).
 */
class BedrockInvokeServiceTierIT {
    private static final String SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";
    private static final String BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}";

    @TempDir
    Path dir;

    FakeBedrockRuntime bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        bedrock = FakeBedrockRuntime.start();
        gw = gateway(dir, Map.of());
    }

    private GatewayFixture gateway(Path at, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));
        env.putAll(more);
        return GatewayFixture.embedded(at, env);
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.close();
    }

    @Test
    void invokeModel_priorityTierHeader_forwardedToBedrock_recordIsNotPricedAtStandardRates() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 200, 0, 0, 0));

        HttpResponse<String> response = gw.send(
                gw.post("/model/" + SONNET_4 + "/invoke", BODY).header("X-Amzn-Bedrock-Service-Tier", "priority"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(bedrock.lastRequest().header("X-Amzn-Bedrock-Service-Tier")).isEqualTo("priority");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // today: PRICED at the standard $3 / $15 rates ($0.006), serviceTierRequested null
        assertThat(r.pricingStatus()).isNotEqualTo(PricingStatus.PRICED);
        assertThat(r.billing().serviceTierRequested()).isEqualTo("priority");
    }

    @Test
    void invokeWithResponseStream_flexTierHeader_recordIsUnpricedAndNamesTheTier() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 200, 0, 0, 0));

        HttpResponse<String> response = gw.send(gw.post("/model/" + SONNET_4 + "/invoke-with-response-stream", BODY)
                .header("X-Amzn-Bedrock-Service-Tier", "flex"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(bedrock.lastRequest().header("X-Amzn-Bedrock-Service-Tier")).isEqualTo("flex");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.stream()).isTrue();
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(r.costUsd()).isNull();
        assertThat(r.billing().serviceTierRequested()).isEqualTo("flex");
        assertThat(r.billing().serviceTierServed()).isEqualTo("flex");
    }

    @Test
    void invokeModel_latencyOptimizedHeader_recordIsUnpricedAndNamesOptimized() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 200, 0, 0, 0));

        HttpResponse<String> response = gw.send(gw.post("/model/" + SONNET_4 + "/invoke", BODY)
                .header("X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(bedrock.lastRequest().header("X-Amzn-Bedrock-PerformanceConfig-Latency"))
                .isEqualTo("optimized");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // latency-optimized inference bills at its own rates, which the catalog does not have
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(r.billing().serviceTierRequested()).isEqualTo("optimized");
    }

    @Test
    void invokeModel_defaultTierAndStandardLatencyHeaders_pricedAtStandardRates() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 200, 0, 0, 0));

        HttpResponse<String> response = gw.send(gw.post("/model/" + SONNET_4 + "/invoke", BODY)
                .header("X-Amzn-Bedrock-Service-Tier", "default")
                .header("X-Amzn-Bedrock-PerformanceConfig-Latency", "standard"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // Sonnet 4 on Bedrock: 1000 input at $3 and 200 output at $15 per million
        assertThat(r.costUsd()).isEqualByComparingTo("0.006");
    }

    @Test
    void invokeModel_priorityTierHeaderWithContractedRates_reservedAndPricedAtThem() throws IOException {
        Path prices = dir.resolve("prices.json");
        Files.writeString(prices, """
                {"models": [{"provider": "bedrock", "model": "anthropic.claude-sonnet-4-20250514-v1:0",
                  "input": "3", "output": "15", "source_url": "https://example.com/contract",
                  "effective_date": "2025-05-22", "service_tiers": {"priority": {"input": "6", "output": "30"}}}]}
                """);
        gw.close();
        gw = gateway(dir.resolve("with-rates"), Map.of("SPENDGATE_PRICING_OVERRIDES", prices.toString()));
        // worst case of BODY (300 output tokens): about $0.0046 at standard, $0.0092 at the priority rates
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:triage"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.008"),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 200, 0, 0, 0));

        HttpResponse<String> unbudgeted = gw.send(
                gw.post("/model/" + SONNET_4 + "/invoke", BODY).header("X-Amzn-Bedrock-Service-Tier", "priority"));
        int forwarded = bedrock.requestCount();
        HttpResponse<String> overBudget = gw.send(gw.post("/model/" + SONNET_4 + "/invoke", BODY)
                .header("X-Cost-Feature", "triage")
                .header("X-Amzn-Bedrock-Service-Tier", "priority"));
        int forwardedAfterRefusal = bedrock.requestCount();
        HttpResponse<String> standard =
                gw.send(gw.post("/model/" + SONNET_4 + "/invoke", BODY).header("X-Cost-Feature", "triage"));

        assertThat(unbudgeted.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                unbudgeted.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // 1000 input at $6 and 200 output at $30 per million
        assertThat(r.costUsd()).isEqualByComparingTo("0.012");
        assertThat(overBudget.statusCode()).as(overBudget.body()).isEqualTo(429);
        assertThat(forwardedAfterRefusal).isEqualTo(forwarded);
        assertThat(standard.statusCode()).as(standard.body()).isEqualTo(200);
    }
}
