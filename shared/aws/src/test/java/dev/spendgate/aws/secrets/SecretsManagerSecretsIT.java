package dev.spendgate.aws.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Against a tiny fake of the Secrets Manager GetSecretValue API (JSON 1.1 protocol), so no Docker is needed. */
class SecretsManagerSecretsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ObjectNode> secrets = new ConcurrentHashMap<>();
    private HttpServer server;
    private SecretsManagerClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        client = SecretsManagerClient.builder()
                .endpointOverride(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    @Test
    void jsonSecret_providerKeys_returnsThem() {
        secrets.put(
                "spendgate/providers",
                JSON.createObjectNode()
                        .put("SecretString", "{\"OPENAI_API_KEY\":\"sk-1\",\"ANTHROPIC_API_KEY\":\"sk-ant-2\"}"));

        assertThat(new SecretsManagerSecrets(client).jsonSecret("spendgate/providers"))
                .containsExactly(entry("OPENAI_API_KEY", "sk-1"), entry("ANTHROPIC_API_KEY", "sk-ant-2"));
    }

    @Test
    void jsonSecret_unknownSecret_throwsSecretsExceptionNamingIt() {
        assertThatThrownBy(() -> new SecretsManagerSecrets(client).jsonSecret("spendgate/missing"))
                .isInstanceOf(SecretsException.class)
                .hasMessageContaining("spendgate/missing")
                .hasMessageContaining("does not exist");
    }

    @Test
    void jsonSecret_binarySecret_throwsSecretsException() {
        secrets.put("spendgate/binary", JSON.createObjectNode().put("SecretBinary", "AAEC"));

        assertThatThrownBy(() -> new SecretsManagerSecrets(client).jsonSecret("spendgate/binary"))
                .isInstanceOf(SecretsException.class)
                .hasMessageContaining("binary");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            ObjectNode secret = secrets.get(request.path("SecretId").asText());
            int status;
            ObjectNode body;
            if (!"secretsmanager.GetSecretValue".equals(target)) {
                status = 400;
                body = JSON.createObjectNode()
                        .put("__type", "InvalidRequestException")
                        .put("message", target);
            } else if (secret == null) {
                status = 400;
                body = JSON.createObjectNode()
                        .put("__type", "ResourceNotFoundException")
                        .put("message", "Secrets Manager can't find the specified secret.");
            } else {
                status = 200;
                body = secret.deepCopy()
                        .put("Name", request.path("SecretId").asText())
                        .put("VersionId", "v1");
            }
            byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }
}
