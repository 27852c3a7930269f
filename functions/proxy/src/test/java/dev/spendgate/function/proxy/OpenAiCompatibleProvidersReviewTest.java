package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.upstream.UpstreamFront;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round two of the OpenAI-compatible providers (README "More OpenAI-compatible providers" and "Pricing"):
 * behaviour a user of the providers file would notice, against the fake upstream behind the provider's URL shape.
 */
class OpenAiCompatibleProvidersReviewTest {

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

    private void start(String providers, Map<String, String> env) throws IOException {
        Path file = dir.resolve("providers.json");
        Files.writeString(file, providers);
        Map<String, String> all = new HashMap<>(env);
        all.put("SPENDGATE_PROVIDERS_FILE", file.toString());
        gw = GatewayFixture.embedded(dir, all);
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}";
    }

    /**
     * README "More OpenAI-compatible providers": "With {@code pricing_provider: openai} they price at OpenAI list prices
     * by the model Azure reports", and "Pricing": "A model the catalog does not know is {@code unpriced} with a null
     * cost". On Azure the deployment, not the body's {@code model}, decides what runs: here the {@code mini}
     * deployment runs {@code gpt-4-turbo-2024-04-09} ($10 / $30 per 1M, platform.openai.com/docs/pricing; the catalog
     * README says that id "stays unpriced"). The call must not be priced at gpt-4o-mini's $0.15 / $0.60, 1/67 of the
     * bill, just because the client's body said gpt-4o-mini.
     */
    @Test
    void azureDeploymentServingAnUncataloguedModel_isUnpriced_notPricedAsTheRequestedModel() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start(
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2024-10-21\","
                        + "\"deployments\":{\"gpt-4o-mini\":\"mini\"},\"models\":[\"gpt-4o-mini\"],"
                        + "\"pricing_provider\":\"openai\"}]",
                Map.of("AZURE_OPENAI_API_KEY", "azure-key-1"));
        fake.enqueue(Behavior.defaults().withInputTokens(1000).withServedModel("gpt-4-turbo-2024-04-09"));

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini")));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.modelServed()).isEqualTo("gpt-4-turbo-2024-04-09");
        assertThat(record.pricingStatus())
                .as("gpt-4-turbo-2024-04-09 is not in the catalog; cost recorded: %s", record.costUsd())
                .isEqualTo(PricingStatus.UNPRICED);
        assertThat(record.costUsd()).isNull();
    }

    /**
     * README: "the Responses API goes to {@code /openai/responses?api-version=...} with the deployment name as
     * {@code model}" (Azure OpenAI's Responses API takes the deployment name in {@code model}:
     * learn.microsoft.com/azure/ai-foundry/openai/how-to/responses). With {@code "deployments": {"gpt-4o":
     * "prod-gpt4o"}} a Responses call for gpt-4o must reach Azure naming {@code prod-gpt4o}; sent as {@code gpt-4o},
     * Azure answers 404 DeploymentNotFound (or runs another deployment that happens to be called gpt-4o).
     */
    @Test
    void azureResponsesApi_sendsTheDeploymentNameAsModel() throws Exception {
        fake = FakeLlmUpstream.start();
        start(
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + fake.baseUri() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2025-04-01-preview\","
                        + "\"deployments\":{\"gpt-4o\":\"prod-gpt4o\"},\"models\":[\"gpt-4o\"],"
                        + "\"pricing_provider\":\"openai\"}]",
                Map.of("AZURE_OPENAI_API_KEY", "azure-key-1"));

        gw.send(gw.post("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"Why did the bill double?\"}"));

        RecordedRequest arrived = fake.requests().get(fake.requests().size() - 1);
        assertThat(arrived.path()).isEqualTo("/openai/responses");
        assertThat(arrived.query()).isEqualTo("api-version=2025-04-01-preview");
        assertThat(arrived.bodyJson().path("model").asText())
                .as("the deployment name, as Azure's Responses API expects")
                .isEqualTo("prod-gpt4o");
    }

    /**
     * Azure OpenAI bills a prompt its content filter refused: "When content filtering is triggered for a prompt and a
     * {@code "status": 400} is received as part of the response there will be a charge for this request as the prompt
     * was evaluated by the service ... a charge for both the prompt and completion tokens will occur"
     * (learn.microsoft.com/azure/ai-services/openai/concepts/content-filter, the IMPORTANT note after the streaming
     * example). README "Pricing": a call whose cost is not known is {@code unpriced}, and "a budget never admits money
     * already spent". Recorded {@code not_billable}, the spend disappears from every report and budget.
     */
    @Test
    void azureContentFilter400_isRecordedAsBilled_notAsNotBillable() throws Exception {
        fake = FakeLlmUpstream.start();
        front = UpstreamFront.azure(fake, "azure-key-1");
        start(
                "[{\"name\":\"azure\",\"format\":\"openai\",\"base_url\":\"" + front.baseUrl() + "\","
                        + "\"api_key_env\":\"AZURE_OPENAI_API_KEY\",\"azure_api_version\":\"2024-10-21\","
                        + "\"models\":[\"gpt-4o\"],\"pricing_provider\":\"openai\"}]",
                Map.of("AZURE_OPENAI_API_KEY", "azure-key-1"));
        fake.enqueue(Behavior.defaults()
                .withError(
                        400,
                        "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure"
                                + " OpenAI's content management policy.\",\"type\":null,\"param\":\"prompt\","
                                + "\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":"
                                + "\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"violence\":"
                                + "{\"filtered\":true,\"severity\":\"high\"}}}}}"));

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", chat("gpt-4o")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("content_filter");
        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.statusCode()).isEqualTo(400);
        assertThat(record.pricingStatus())
                .as("Azure charges the prompt (and completion) of a content-filtered request")
                .isNotEqualTo(PricingStatus.NOT_BILLABLE);
    }

    /**
     * OpenRouter sends its usage chunk ({@code "choices": []}, with {@code usage.cost}, the amount it charged) on every
     * stream, asked or not: "{@code include_usage} ... Deprecated: This field has no effect. Full usage details are
     * always included" (openrouter.ai/docs/client-sdks/typescript/models/chatstreamoptions). README "Stream usage":
     * the gateway "reads the usage-only chunk ... and does not relay it: that client gets the stream the provider would
     * have sent it". The provider would have sent this chunk; a client reading OpenRouter's {@code usage.cost} from it
     * loses it behind the gateway.
     */
    @Test
    void providerThatAlwaysSendsItsUsageChunk_clientStillGetsIt() throws Exception {
        String usageChunk = "{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12,"
                + "\"cost\":0.000045}}";
        String stream = "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there\"},"
                + "\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: " + usageChunk + "\n\n"
                + "data: [DONE]\n\n";
        com.sun.net.httpserver.HttpServer openRouter =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        openRouter.createContext("/api/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        openRouter.start();
        try {
            start(
                    "[{\"name\":\"openrouter\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:"
                            + openRouter.getAddress().getPort() + "/api/v1\","
                            + "\"api_key_env\":\"OPENROUTER_API_KEY\",\"models\":[\"openai/*\"]}]",
                    Map.of("OPENROUTER_API_KEY", "sk-or-test"));

            HttpResponse<String> response = gw.send(gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(gw.awaitRecords(1).get(0).tokens().inputTokens()).isEqualTo(10);
            assertThat(response.body())
                    .as("the stream OpenRouter sends every client, its usage chunk included")
                    .contains("\"cost\":0.000045");
        } finally {
            openRouter.stop(0);
        }
    }

    /**
     * A {@code base_url} the gateway can never call (no {@code https://}, as pasted from a provider's docs, or with a
     * space in it) passes the start, and then every call routed to that provider fails. The providers file stops the
     * start for a misspelt field, a bad {@code auth}, a bad {@code stream_usage_option}, an unpriced
     * {@code pricing_provider} (README "More OpenAI-compatible providers"), and {@code SPENDGATE_ALERT_WEBHOOK_URL} is
     * checked as an absolute http(s) URL at the start; a base URL that is not one should stop the start naming the
     * provider and the field, not surface as 502 / 500 on each call.
     */
    @Test
    void providersFile_baseUrlNotAnHttpUrl_stopsTheStartNamingTheField() throws Exception {
        for (String baseUrl : java.util.List.of("api.mistral.ai/v1", "https://api.groq.com/openai/v1 x")) {
            Path file = dir.resolve("providers.json");
            Files.writeString(
                    file,
                    "[{\"name\":\"mistral\",\"format\":\"openai\",\"base_url\":\"" + baseUrl + "\","
                            + "\"api_key_env\":\"MISTRAL_API_KEY\",\"models\":[\"mistral-*\"]}]");

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxyConfig.fromEnv(
                            Map.of("SPENDGATE_PROVIDERS_FILE", file.toString(), "MISTRAL_API_KEY", "k")))
                    .as(baseUrl)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mistral")
                    .hasMessageContaining("base_url");
        }
    }
}
