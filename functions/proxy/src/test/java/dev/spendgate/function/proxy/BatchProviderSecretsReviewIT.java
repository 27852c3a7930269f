package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What leaves the gateway on the batch routes when SPENDGATE_PROVIDERS_FILE adds an OpenAI-compatible provider (the
 * README's own example: Groq, Gemini, Mistral, vLLM, Ollama, all {@code format: openai}). README "Batch APIs": the
 * batch routes are OpenAI's ({@code POST /v1/files}, {@code /v1/batches}: provider "OpenAI"); a providers-file entry
 * serves the models its {@code models} globs name ("More OpenAI-compatible providers"). A team's batch input file
 * (its prompts) must reach OpenAI with OpenAI's key, not another company's API with that company's key.
 */
class BatchProviderSecretsReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-review-boundary";
    private static final String GROQ_KEY = "gsk_review0groq0secret0key0do0not0send";

    @TempDir
    Path dir;

    FakeBatchUpstream openAi;
    FakeLlmUpstream groq;
    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        openAi = FakeBatchUpstream.start();
        groq = FakeLlmUpstream.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\": \"groq\", \"format\": \"openai\", \"base_url\": \"" + groq.openAiBaseUrl() + "\","
                        + " \"api_key_env\": \"GROQ_API_KEY\", \"models\": [\"llama-3.3-*\"]}]");
        gw = GatewayFixture.embedded(
                dir.resolve("data"),
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", openAi.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", openAi.anthropicBaseUrl(),
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "GROQ_API_KEY", GROQ_KEY));
    }

    @AfterEach
    void stop() {
        gw.close();
        groq.close();
        openAi.close();
    }

    @Test
    void openAiBatchUpload_withAGroqProviderConfigured_goesToOpenAiNotGroq() throws Exception {
        String jsonl = "{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":100,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Confidential ticket 4711: refund for ACME.\"}]}}\n";
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";

        HttpResponse<String> upload = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));

        List<RecordedRequest> atGroq = groq.requests();
        assertThat(atGroq)
                .as(
                        "requests Groq received (paths %s, Authorization %s)",
                        atGroq.stream().map(RecordedRequest::path).toList(),
                        atGroq.stream()
                                .map(r -> r.headers().getOrDefault("Authorization", List.of()))
                                .toList())
                .isEmpty();
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        assertThat(JSON.readTree(upload.body()).path("id").asText()).startsWith("file-");
    }
}
