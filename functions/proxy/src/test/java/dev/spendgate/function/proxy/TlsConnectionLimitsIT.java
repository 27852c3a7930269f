package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.http.TestKeyStores;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.Behavior;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection limits over TLS (h2 by ALPN): a client address within {@code SPENDGATE_MAX_CONNECTIONS_PER_CLIENT}
 * keeps its calls, and a new connection never displaces one with a call in flight (README "Local server limits").
 */
class TlsConnectionLimitsIT {
    private static final String STREAMED_CHAT = """
            {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count to a hundred."}]}""";

    @TempDir
    Path dir;

    GatewayFixture gw;
    LocalGatewayServer https;
    SSLContext ssl;

    @BeforeEach
    void start() throws Exception {
        gw = GatewayFixture.embedded(dir);
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "h2-pass", "ip:127.0.0.1");
        ssl = TestKeyStores.trusting(keyStore, "h2-pass");
        // two connections a client: a streamed call on one, a health check on the other
        https = LocalGatewayServer.start(
                gw.runtime,
                "127.0.0.1",
                0,
                ServerLimits.defaults().withConnections(100, 2).withTls(keyStore, "h2-pass"));
    }

    @AfterEach
    void stop() {
        https.stop(0);
        gw.close();
    }

    private HttpClient client() {
        return HttpClient.newBuilder()
                .sslContext(ssl)
                .version(HttpClient.Version.HTTP_2)
                .build();
    }

    @Test
    @Timeout(60)
    void secondConnectionWithinThePerClientLimit_streamOnTheFirstRunsToItsEnd() throws Exception {
        // 100 pieces 50 ms apart: five seconds of answer
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(100).withPieceDelay(Duration.ofMillis(50)));
        HttpResponse<InputStream> streamed = client().send(
                        HttpRequest.newBuilder(URI.create(https.baseUrl() + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + gw.secret)
                                .POST(HttpRequest.BodyPublishers.ofString(STREAMED_CHAT))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(streamed.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String requestId =
                streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();

        // a second connection of the same address: two in all, within the limit of two
        HttpResponse<String> health = client().send(
                        HttpRequest.newBuilder(URI.create(https.baseUrl() + "/health"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String body;
        IOException cut = null;
        try (InputStream in = streamed.body()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            body = "";
            cut = e;
        }

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(cut).as("the streamed call on the first connection was cut").isNull();
        assertThat(body).contains("data: [DONE]");
        UsageRecord r = gw.record(requestId);
        assertThat(r.errorType()).isNull();
    }
}
