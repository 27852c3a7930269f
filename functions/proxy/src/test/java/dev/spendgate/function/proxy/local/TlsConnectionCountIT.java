package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.TestKeyStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over TLS one network connection counts once against {@code SPENDGATE_MAX_CONNECTIONS} and {@code
 * SPENDGATE_MAX_CONNECTIONS_PER_CLIENT}, as over cleartext, whether ALPN picks h2 or http/1.1.
 */
class TlsConnectionCountIT {
    @TempDir
    Path dir;

    @Test
    void oneTlsConnection_countedOnce() throws Exception {
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "tls-pass", "ip:127.0.0.1");
        SSLContext ssl = TestKeyStores.trusting(keyStore, "tls-pass");
        LocalGatewayServer server = LocalGatewayServer.start(
                (request, sink) -> {
                    byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
                    sink.start(200, new Headers().set("Content-Type", "application/json"), body.length);
                    sink.write(body);
                    sink.end();
                },
                1 << 20,
                "127.0.0.1",
                0,
                ServerLimits.defaults().withTls(keyStore, "tls-pass"));
        try {
            for (HttpClient.Version version : HttpClient.Version.values()) {
                HttpClient http =
                        HttpClient.newBuilder().sslContext(ssl).version(version).build();
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(r.version()).isEqualTo(version);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(server.openConnections())
                        .as("open connections after one %s connection over TLS", version)
                        .isEqualTo(1);
                http.close();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (server.openConnections() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
        } finally {
            server.stop(0);
        }
    }
}
