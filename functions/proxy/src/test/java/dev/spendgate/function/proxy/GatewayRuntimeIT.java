package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayRuntimeIT {
    @TempDir
    Path dataDir;

    @Test
    void local_closeAfterCalls_flushesEveryBufferedRecordToTheDataDirectory() throws Exception {
        String secret = ProxyKeys.newSecret();
        new FileKeyStore(dataDir.resolve("keys.json"))
                .create(new ProxyKey(
                        ProxyKeys.newId(),
                        ProxyKeys.hash(secret),
                        "k",
                        "dev",
                        null,
                        Attribution.NONE,
                        true,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        List<String> ids = new ArrayList<>();
        try (FakeLlmUpstream upstream = FakeLlmUpstream.start()) {
            // A flush interval far longer than the test: only close() can write the records.
            ProxyConfig config = ProxyConfig.fromEnv(Map.of(
                    "OPENAI_API_KEY", "sk-fake-openai",
                    "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl(),
                    "SPENDGATE_FLUSH_INTERVAL_MS", "3600000"));
            GatewayRuntime runtime = LocalGatewayRuntime.create(config, dataDir);
            try (LocalGatewayServer server = LocalGatewayServer.start(runtime.gateway(), "127.0.0.1", 0)) {
                HttpClient http = HttpClient.newHttpClient();
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/embeddings"))
                                    .header("Authorization", "Bearer " + secret)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"model\":\"text-embedding-3-small\",\"input\":\"hello " + i + "\"}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    ids.add(response.headers()
                            .firstValue(Gateway.REQUEST_ID_HEADER)
                            .orElseThrow());
                }
            }
            assertThat(runtime.usageLog().buffered()).isEqualTo(5);

            runtime.close();
        }

        List<String> logged = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(new dev.spendgate.embedded.FileSystemObjectStore(dataDir))
                .read(now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS), r -> logged.add(r.requestId()));
        assertThat(logged).containsExactlyInAnyOrderElementsOf(ids);
    }
}
