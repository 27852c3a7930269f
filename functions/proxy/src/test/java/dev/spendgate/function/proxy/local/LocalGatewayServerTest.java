package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalGatewayServerTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty("spendgate.localServer");
    }

    @ParameterizedTest
    @CsvSource({"threads,Spendgate HTTP/1.1 server", "jdk,JDK HTTP server"})
    void engine_chosenByProperty_servesHealth(String choice, String description)
            throws IOException, InterruptedException {
        System.setProperty("spendgate.localServer", choice);
        try (GatewayRuntime runtime = GatewayRuntime.local(ProxyConfig.fromEnv(Map.of()), dir);
                LocalGatewayServer server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, 4)) {
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(server.engineDescription()).startsWith(description);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        }
    }
}
