package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.upstream.UpstreamFront;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI-compatible providers added by configuration alone ({@code SPENDGATE_PROVIDERS_FILE}): each config shape
 * from the README, against the fake upstream behind the provider's own URL and key conventions.
 */
class ProvidersIT {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}";
    }

    /** Starts the gateway with {@code providers} (a JSON array) and extra settings. */
    private void start(String providers, Map<String, String> env) throws IOException {
        Path file = dir.resolve("providers.json");
        Files.writeString(file, providers);
        Map<String, String> all = new HashMap<>(env);
        all.put("SPENDGATE_PROVIDERS_FILE", file.toString());
        gw = GatewayFixture.embedded(dir, all);
    }

    @Test
    void azureOpenAi_deploymentUrlAndApiKeyHeader_pricedAsTheOpenAiModel() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start(
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2024-10-21\","
                        + "\"deployments\":{\"gpt-4o\":\"prod-gpt4o\"},\"models\":[\"gpt-4o\",\"gpt-4o-mini\"],"
                        + "\"pricing_provider\":\"openai\"}]",
                Map.of("AZURE_OPENAI_API_KEY", "azure-key-1"));
        fake.enqueue(Behavior.defaults().withInputTokens(1000));
        fake.enqueue(Behavior.defaults().withInputTokens(1000).withPieceCount(8));

        HttpResponse<String> whole = gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", false)));
        HttpResponse<String> streamed = gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", true)));

        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(whole.body()).at("/choices/0/message/content").asText())
                .isEqualTo(Behavior.defaults().text());
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("data: [DONE]");
        assertThat(front.requests()).hasSize(2).allSatisfy(arrived -> {
            assertThat(arrived.path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions");
            assertThat(arrived.query()).isEqualTo("api-version=2024-10-21");
            assertThat(arrived.headers().get("api-key")).containsExactly("azure-key-1");
            assertThat(arrived.headers()).doesNotContainKey("Authorization");
        });
        assertThat(gw.upstream.requestCount()).isZero();
        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.provider()).isEqualTo("azure");
            assertThat(r.pricingProvider()).isEqualTo("openai");
            assertThat(r.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        });
        // gpt-4o: 1000 x $2.50 + 24 x $10 per 1M (whole); 1000 x $2.50 + 8 x $10 (streamed)
        assertThat(records)
                .extracting(UsageRecord::costUsd)
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactlyInAnyOrder(new BigDecimal("0.00274"), new BigDecimal("0.00258"));
    }

    @Test
    void azureOpenAi_wrongKeyAtAzure_errorRelayedAndNotPriced() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start(
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2024-10-21\","
                        + "\"models\":[\"gpt-4o\"],\"pricing_provider\":\"openai\"}]",
                Map.of("AZURE_OPENAI_API_KEY", "stale-key"));

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", false)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain("stale-key");
        assertThat(front.lastRequest().path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions");
        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.statusCode()).isEqualTo(401);
        assertThat(record.costUsd()).isNull();
        assertThat(fake.requestCount()).isZero();
    }

    @Test
    void geminiMistralGroq_bearerProvidersByModelPattern_routedAndPricedByOverrides() throws Exception {
        Path overrides = dir.resolve("prices.json");
        Files.writeString(
                overrides,
                "{\"models\":[{\"provider\":\"mistral\",\"model\":\"mistral-large-latest\",\"input\":\"2.00\","
                        + "\"output\":\"6.00\"}]}");
        fake = FakeLlmUpstream.start();
        String base = fake.openAiBaseUrl();
        start(
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + base + "\","
                        + "\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]},"
                        + "{\"name\":\"mistral\",\"format\":\"openai\",\"base_url\":\"" + base + "\","
                        + "\"api_key_env\":\"MISTRAL_API_KEY\",\"models\":[\"mistral-*\"]},"
                        + "{\"name\":\"groq\",\"format\":\"openai\",\"base_url\":\"" + base + "\","
                        + "\"api_key_env\":\"GROQ_API_KEY\",\"models\":[\"llama-3.3-*\"]}]",
                Map.of(
                        "GEMINI_API_KEY", "sk-fake-openai",
                        "MISTRAL_API_KEY", "sk-fake-openai",
                        "GROQ_API_KEY", "sk-fake-openai",
                        "SPENDGATE_PRICING_OVERRIDES", overrides.toString()));

        for (String model : List.of("gemini-2.5-flash", "mistral-large-latest", "llama-3.3-70b-versatile")) {
            fake.enqueue(Behavior.defaults().withInputTokens(500));
            assertThat(gw.send(gw.post("/v1/chat/completions", chat(model, false)))
                            .statusCode())
                    .as(model)
                    .isEqualTo(200);
        }

        List<UsageRecord> records = gw.awaitRecords(3);
        assertThat(records).extracting(UsageRecord::provider).containsExactlyInAnyOrder("gemini", "mistral", "groq");
        UsageRecord mistral = records.stream()
                .filter(r -> r.provider().equals("mistral"))
                .findFirst()
                .orElseThrow();
        // mistral-large-latest from the overrides file: 500 x $2 + 24 x $6 per 1M
        assertThat(mistral.costUsd()).isEqualByComparingTo(new BigDecimal("0.001144"));
        UsageRecord gemini = records.stream()
                .filter(r -> r.provider().equals("gemini"))
                .findFirst()
                .orElseThrow();
        // gemini-2.5-flash from the bundled catalog (ai.google.dev/gemini-api/docs/pricing): 500 x $0.30 + 24 x $2.50
        assertThat(gemini.costUsd()).isEqualByComparingTo(new BigDecimal("0.00021"));
        assertThat(records)
                .filteredOn(r -> r.provider().equals("groq"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
                    assertThat(r.costUsd()).isNull();
                    assertThat(r.tokens().inputTokens()).isEqualTo(500);
                });
        assertThat(fake.requests())
                .hasSize(3)
                .allSatisfy(r -> assertThat(r.headers().get("Authorization")).containsExactly("Bearer sk-fake-openai"));
    }

    @Test
    void selfHostedWithoutKey_authNone_forwardsNoCredentialAndRecordsUnpriced() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.open(fake);
        start(
                "[{\"name\":\"ollama\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "/v1\","
                        + "\"auth\":\"none\",\"models\":[\"llama3.2*\",\"qwen*\"]}]",
                Map.of());

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", chat("llama3.2:3b", false)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(Gateway.COST_HEADER)).isEmpty();
        RecordedRequest arrived = front.lastRequest();
        assertThat(arrived.path()).isEqualTo("/v1/chat/completions");
        assertThat(arrived.headers()).doesNotContainKeys("Authorization", "api-key", "x-api-key");
        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.provider()).isEqualTo("ollama");
        assertThat(record.modelRequested()).isEqualTo("llama3.2:3b");
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(record.tokens().outputTokens()).isEqualTo(24);
    }

    @Test
    void providersFile_unknownAuth_refusedAtStartNamingTheValue() throws Exception {
        Path file = dir.resolve("providers.json");
        Files.writeString(
                file,
                "[{\"name\":\"x\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:1/v1\",\"auth\":\"token\"}]");

        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auth must be one of")
                .hasMessageContaining("'token'");
    }

    @Test
    void providersFile_bedrockProviderForEuProfiles_signsForItsRegion() throws Exception {
        Path file = dir.resolve("providers.json");
        Files.writeString(
                file,
                "[{\"name\":\"bedrock-eu\",\"format\":\"bedrock\",\"region\":\"eu-west-1\",\"models\":[\"eu.*\"]}]");

        ProxyConfig config = ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString()));

        var eu = config.providers().get(0);
        assertThat(eu.baseUrl()).isEqualTo("https://bedrock-runtime.eu-west-1.amazonaws.com");
        assertThat(eu.signer().region()).isEqualTo("eu-west-1");
        assertThat(eu.pricingProvider())
                .as("priced from the catalog's bedrock entries")
                .isEqualTo("bedrock");
        assertThat(new dev.spendgate.function.proxy.upstream.ProviderRouter(config.providers())
                        .route(dev.spendgate.function.proxy.upstream.ApiFormat.BEDROCK, "eu.anthropic.claude-x")
                        .orElseThrow()
                        .name())
                .isEqualTo("bedrock-eu");
        assertThat(new dev.spendgate.function.proxy.upstream.ProviderRouter(config.providers())
                        .route(dev.spendgate.function.proxy.upstream.ApiFormat.BEDROCK, "us.anthropic.claude-x")
                        .orElseThrow()
                        .name())
                .isEqualTo("bedrock");
    }
}
