package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.upstream.UpstreamFront;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure OpenAI's Responses API names the deployment, not the model, as the response's {@code model} ("Deployment name:
 * gpt-5-01 ... the Responses API ... returns only the deployment name, response.model = "gpt-5-01"", while Chat
 * Completions returns {@code gpt-5-2025-08-07}: learn.microsoft.com/en-us/answers, 2026-01-02). The providers file's
 * {@code deployments} says which model a deployment runs, so the call is priced as that model.
 */
class AzureResponsesModelTest {

    @TempDir
    Path dir;

    GatewayFixture gw;
    FakeLlmUpstream fake;
    UpstreamFront front;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (front != null) {
            front.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private void start(String deployments) throws IOException {
        Path file = dir.resolve("providers.json");
        Files.writeString(
                file,
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2025-04-01-preview\","
                        + "\"deployments\":" + deployments + ",\"models\":[\"gpt-4o\"],"
                        + "\"pricing_provider\":\"openai\"}]");
        gw = GatewayFixture.embedded(
                dir, Map.of("SPENDGATE_PROVIDERS_FILE", file.toString(), "AZURE_OPENAI_API_KEY", "azure-key-1"));
    }

    @Test
    void responsesCall_answeredWithTheDeploymentName_isPricedAsTheModelItDeploys() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start("{\"gpt-4o\":\"prod-gpt4o\"}");
        fake.enqueue(Behavior.defaults().withInputTokens(1_000_000).withServedModel("prod-gpt4o"));

        HttpResponse<String> response =
                gw.send(gw.post("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"Why did the bill double?\"}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.modelServed()).isEqualTo("gpt-4o");
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // gpt-4o at $2.50 input and $10 output per million tokens (platform.openai.com/docs/pricing)
        BigDecimal output = BigDecimal.valueOf(record.tokens().outputTokens()).multiply(new BigDecimal("0.00001"));
        assertThat(record.costUsd()).isEqualByComparingTo(new BigDecimal("2.50").add(output));
    }

    @Test
    void responsesCall_answeredWithAnotherName_staysThatModel() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start("{\"gpt-4o\":\"prod-gpt4o\"}");
        fake.enqueue(Behavior.defaults().withServedModel("gpt-4-turbo-2024-04-09"));

        gw.send(gw.post("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"Why did the bill double?\"}"));

        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.modelServed()).isEqualTo("gpt-4-turbo-2024-04-09");
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
    }
}
