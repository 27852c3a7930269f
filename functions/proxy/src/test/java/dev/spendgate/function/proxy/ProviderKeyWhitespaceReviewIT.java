package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider key read from the environment with its line end, as a Kubernetes secret mounted from a file written by
 * {@code echo} or a Compose {@code env_file} with CRLF line ends gives it. The gateway trims {@code OPENAI_API_KEY}
 * and {@code ANTHROPIC_API_KEY} ({@code ProxyConfig.fromEnv}), and the reconciliation client strips "a secret pasted
 * with its line end" (AdminApiClient); a providers-file key ({@code api_key_env}, README "More OpenAI-compatible
 * providers") is the same kind of secret and should work the same way.
 */
class ProviderKeyWhitespaceReviewIT {
    @TempDir
    Path dir;

    FakeLlmUpstream fake;
    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void providersFileKey_withTrailingLineEnd_isUsedAsTheBuiltInKeysAre() throws Exception {
        fake = FakeLlmUpstream.start();
        Path file = dir.resolve("providers.json");
        Files.writeString(
                file,
                "[{\"name\":\"groq\",\"format\":\"openai\",\"base_url\":\"" + fake.openAiBaseUrl() + "\","
                        + "\"api_key_env\":\"GROQ_API_KEY\",\"models\":[\"llama-3.3-*\"]}]");
        gw = GatewayFixture.embedded(
                dir.resolve("data"),
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE",
                        file.toString(),
                        // the same key the built-in OPENAI_API_KEY=" sk-fake-openai\n" would be trimmed to
                        "GROQ_API_KEY",
                        fake.openAiKey() + "\n"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"llama-3.3-70b-versatile\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(fake.requestCount()).isEqualTo(1);
        assertThat(gw.awaitRecords(1).get(0).errorType()).isNull();
    }
}
