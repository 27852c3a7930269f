package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "More OpenAI-compatible providers" example serves EU inference profiles from another region with
 * {@code {"name": "bedrock-eu", "format": "bedrock", "region": "eu-west-1", "models": ["eu.*"]}}, and "Pricing" says
 * inference-profile prefixes price as the base model from the catalog's {@code bedrock} entries. A Converse call
 * through that provider, configured exactly as shown, must be priced like the same call through the built-in
 * Bedrock provider, not left unpriced because no catalog provider is called {@code bedrock-eu}.
 */
class BedrockRegionProviderPricingReviewIT {
    @TempDir
    Path dir;

    HttpServer bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        bedrock = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        bedrock.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"Traffic"
                            + " doubled.\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":1000,"
                            + "\"outputTokens\":100,\"totalTokens\":1100},\"metrics\":{\"latencyMs\":300}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        bedrock.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"bedrock-eu\",\"format\":\"bedrock\",\"region\":\"eu-west-1\",\"models\":[\"eu.*\"],"
                        + "\"base_url\":\"http://127.0.0.1:"
                        + bedrock.getAddress().getPort() + "\"}]");
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "AWS_ACCESS_KEY_ID", "AKIDFAKEBEDROCK00001",
                        "AWS_SECRET_ACCESS_KEY", "fake-bedrock-secret-access-key-0000000001"));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.stop(0);
    }

    @Test
    void euProfileThroughBedrockEuProvider_pricedAtTheBedrockCatalogPrice() {
        HttpResponse<String> response = gw.send(gw.post(
                "/model/eu.anthropic.claude-sonnet-4-20250514-v1:0/converse",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord r = gw.awaitRecords(1).get(0);
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // Claude Sonnet 4 on Bedrock: 1000 x $3.00 + 100 x $15.00 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.0045"));
    }
}
