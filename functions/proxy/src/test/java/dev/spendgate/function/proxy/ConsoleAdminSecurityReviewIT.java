package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.TestKeyStores;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local admin API and web console on a real gateway (Jetty on a local port), attacked as a page on another site
 * open in the admin's browser would attack them. Raw sockets, so the requests carry exactly the headers a browser's
 * cross-site request carries.
 */
class ConsoleAdminSecurityReviewIT {
    private static final String TOKEN = "sec-review-token-91c3";
    private static final String ATTACKER = "https://attacker.example";

    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /**
     * README, Web console: "After 10 wrong admin tokens from one address within a minute ... that address gets 429". A
     * page on any site the admin visits can make the admin's browser fire {@code fetch("http://127.0.0.1:8787/admin/
     * budgets", {mode: "no-cors"})} (a simple GET: no preflight, Host 127.0.0.1 is allowed, no Authorization header can
     * be added). Such a request presents no token at all, yet each one is counted as a wrong token against
     * 127.0.0.1, so ten of them a minute lock the admin's own scripts and CLI out of the admin API and the console
     * sign-in for as long as the tab stays open. A request without a token is not a guess; it must get 401 and leave
     * the admin's next right token working.
     */
    @Test
    void adminApi_crossSiteRequestsWithoutAnyToken_doNotLockOutTheAdminsRightToken() throws IOException {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String host = "127.0.0.1:" + port();

        for (int i = 0; i < 12; i++) {
            Raw probe = send("GET", "/admin/budgets", host, ATTACKER, null, null);
            assertThat(probe.status).as("tokenless request %s", i).isIn(401, 429);
        }
        Raw admin = send("GET", "/admin/budgets", host, null, "Bearer " + TOKEN, null);
        Raw signIn = send("POST", "/console/login", host, "http://" + host, null, "token=" + TOKEN);

        assertThat(admin.status)
                .as("the admin's right token after a foreign page sent requests without any token: %s", admin.text)
                .isEqualTo(200);
        assertThat(signIn.status)
                .as("console sign-in with the right token: %s", signIn.text)
                .isEqualTo(303);
    }

    /**
     * README, Web console: the cookie gets {@code Secure} "when signed in over HTTPS ({@code SPENDGATE_TLS_KEYSTORE})",
     * and the server offers h2 by ALPN over TLS, which every current browser picks. An HTTP/2 request carries its host
     * in {@code :authority} (RFC 9113 section 8.3.1), not in a {@code Host} header, and the console's Origin check
     * compares the browser's {@code Origin} with the {@code Host} header only: a sign-in form posted from the console's
     * own page (Origin {@code https://127.0.0.1:PORT}, the same origin) is refused with 403 "A form from another site",
     * so over HTTPS in a browser nobody can sign in, save a budget or revoke a key. The same form over HTTP/1.1 works.
     */
    @Test
    void signInOverHttp2_sameOriginForm_isAccepted() throws Exception {
        gw = GatewayFixture.embedded(dir.resolve("data"), Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "tls-pass", "ip:127.0.0.1");
        SSLContext ssl = TestKeyStores.trusting(keyStore, "tls-pass");
        LocalGatewayServer https = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTls(keyStore, "tls-pass"));
        try {
            HttpClient browserLike = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .version(HttpClient.Version.HTTP_2)
                    .build();
            String origin = https.baseUrl().replaceAll("/+$", "");
            HttpResponse<String> signedIn = browserLike.send(
                    HttpRequest.newBuilder(URI.create(origin + "/console/login"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("Origin", origin)
                            .header("Sec-Fetch-Site", "same-origin")
                            .POST(HttpRequest.BodyPublishers.ofString("token=" + TOKEN))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(signedIn.version())
                    .as("the client and the server agreed on h2")
                    .isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(signedIn.statusCode())
                    .as("a same-origin sign-in over HTTPS/2: %s", signedIn.body())
                    .isEqualTo(303);
            assertThat(signedIn.headers().firstValue("set-cookie"))
                    .hasValueSatisfying(c -> assertThat(c).startsWith("spendgate_console="));
        } finally {
            https.stop(0);
        }
    }

    private int port() {
        return URI.create(gw.server.baseUrl()).getPort();
    }

    private Raw send(String method, String path, String host, String origin, String authorization, String form)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        if (origin != null) {
            head.append("Origin: ").append(origin).append("\r\n");
            head.append("Sec-Fetch-Site: cross-site\r\n");
        }
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        byte[] body = form == null ? new byte[0] : form.getBytes(StandardCharsets.UTF_8);
        if (form != null) {
            head.append("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        return exchange(head + (form == null ? "" : form));
    }

    private Raw exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return new Raw(all.toString(StandardCharsets.UTF_8));
        }
    }

    private static final class Raw {
        final String text;
        final int status;

        Raw(String text) {
            this.text = text;
            this.status = Integer.parseInt(text.substring(9, 12));
        }

        String header(String name) {
            for (String line : text.substring(0, text.indexOf("\r\n\r\n")).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        String body() {
            return text.substring(text.indexOf("\r\n\r\n") + 4);
        }
    }
}
