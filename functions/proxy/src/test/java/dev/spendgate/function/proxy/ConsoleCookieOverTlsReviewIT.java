package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.TestKeyStores;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local console's session id is a credential (README "Web console": a random session id, kept by the gateway only
 * as its SHA-256, standing in for the admin token for 12 hours). Served over HTTPS (SPENDGATE_TLS_KEYSTORE, the set-up
 * for a console reached from other machines through SPENDGATE_ALLOWED_HOSTS), the cookie must carry {@code Secure}
 * (RFC 6265 section 4.1.2.5), else the browser also sends it over plain HTTP to the same host (cookies ignore the
 * port), where anyone on the network reads it and holds the admin session.
 */
class ConsoleCookieOverTlsReviewIT {
    private static final String TOKEN = "review-20a-admin-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void signInOverHttps_sessionCookieIsSecure() throws Exception {
        try (GatewayFixture gw = GatewayFixture.embedded(dir.resolve("data"), Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN))) {
            Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "tls-pass", "ip:127.0.0.1");
            SSLContext ssl = TestKeyStores.trusting(keyStore, "tls-pass");
            LocalGatewayServer https = LocalGatewayServer.start(
                    gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTls(keyStore, "tls-pass"));
            try {
                HttpClient client = HttpClient.newBuilder()
                        .sslContext(ssl)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                HttpResponse<String> signedIn = client.send(
                        HttpRequest.newBuilder(URI.create(https.baseUrl() + "/console/login"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("token=" + TOKEN))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(https.baseUrl()).startsWith("https://");
                String cookie = signedIn.headers().firstValue("set-cookie").orElseThrow();
                assertThat(cookie).startsWith("spendgate_console=").contains("HttpOnly");
                assertThat(cookie.toLowerCase(java.util.Locale.ROOT)).as(cookie).contains("; secure");
            } finally {
                https.stop(0);
            }
        }
    }
}
