package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local admin API and web console on a real gateway (Jetty on a local port), reached as a DNS-rebinding page in
 * the admin's own browser would reach them (its own name in {@code Host} and {@code Origin}), and as a script guessing
 * the admin token would. Raw sockets, because the JDK's HTTP client will not send another {@code Host}.
 */
class LocalAdminGuardIT {
    private static final String TOKEN = "guard-it-token-5b1e";
    private static final String REBOUND = "rebind.attacker.example";

    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void consoleAndAdminApi_reboundHostName_refusedEvenWithTheRightToken() throws IOException {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String rebound = REBOUND + ":" + port();

        Raw signIn = send("POST", "/console/login", rebound, "http://" + rebound, null, "token=" + TOKEN);
        Raw budgets = send("GET", "/admin/budgets", rebound, null, "Bearer " + TOKEN, null);
        Raw local = send("GET", "/admin/budgets", "127.0.0.1:" + port(), null, "Bearer " + TOKEN, null);
        Raw byName = send("GET", "/admin/budgets", "localhost:" + port(), null, "Bearer " + TOKEN, null);

        assertThat(signIn.status).as(signIn.text).isEqualTo(403);
        assertThat(signIn.text).doesNotContainIgnoringCase("set-cookie").contains("SPENDGATE_ALLOWED_HOSTS");
        assertThat(budgets.status).isEqualTo(403);
        assertThat(budgets.body()).contains("\"param\":\"host\"", REBOUND);
        assertThat(local.status).as(local.text).isEqualTo(200);
        assertThat(byName.status).as(byName.text).isEqualTo(200);
    }

    @Test
    void adminApi_namesInAllowedHosts_areServed() throws IOException {
        gw = GatewayFixture.embedded(
                dir,
                Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN, "SPENDGATE_ALLOWED_HOSTS", "gateway.internal, .corp.example"));

        Raw exact = send("GET", "/admin/budgets", "gateway.internal:" + port(), null, "Bearer " + TOKEN, null);
        Raw sub = send("GET", "/admin/budgets", "spend.corp.example", null, "Bearer " + TOKEN, null);
        Raw other = send("GET", "/admin/budgets", "corp.example.attacker.net", null, "Bearer " + TOKEN, null);

        assertThat(exact.status).as(exact.text).isEqualTo(200);
        assertThat(sub.status).as(sub.text).isEqualTo(200);
        assertThat(other.status).isEqualTo(403);
    }

    @Test
    void signIn_tenWrongTokensFromOneAddress_lockNewTriesForAMinuteButNotASignedInSession() throws IOException {
        BudgetSweepIT.MutableClock clock = new BudgetSweepIT.MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN), clock);
        String host = "127.0.0.1:" + port();
        Raw first = send("POST", "/console/login", host, "http://" + host, null, "token=" + TOKEN);
        String session = cookie(first);

        for (int i = 0; i < 10; i++) {
            Raw wrong = send("POST", "/console/login", host, "http://" + host, null, "token=guess-" + i);
            assertThat(wrong.status).as("wrong token %s", i).isEqualTo(401);
        }
        Raw right = send("POST", "/console/login", host, "http://" + host, null, "token=" + TOKEN);
        Raw api = send("GET", "/admin/budgets", host, null, "Bearer " + TOKEN, null);
        Raw signedIn = sendWithCookie("/console/budgets", host, session);
        clock.advance(Duration.ofSeconds(61));
        Raw later = send("POST", "/console/login", host, "http://" + host, null, "token=" + TOKEN);

        assertThat(right.status).as("the right token during the lock-out").isEqualTo(429);
        assertThat(right.header("retry-after")).isNotNull();
        assertThat(Long.parseLong(right.header("retry-after"))).isBetween(1L, 60L);
        assertThat(right.header("set-cookie")).isNull();
        assertThat(api.status).isEqualTo(429);
        assertThat(api.body()).contains("rate_limit_error");
        assertThat(signedIn.status)
                .as("a session signed in before keeps working")
                .isEqualTo(200);
        assertThat(later.status).as("a minute later").isEqualTo(303);
        assertThat(later.header("set-cookie")).contains("spendgate_console=");
    }

    @Test
    void adminApi_wrongBearerTokens_countTowardsTheSameLockOut() throws IOException {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String host = "127.0.0.1:" + port();

        for (int i = 0; i < 10; i++) {
            assertThat(send("GET", "/admin/budgets", host, null, "Bearer guess-" + i, null).status)
                    .isEqualTo(401);
        }
        Raw console = send("GET", "/console/budgets", host, null, "Bearer " + TOKEN, null);

        assertThat(console.status).isEqualTo(429);
        assertThat(console.header("retry-after")).isNotNull();
    }

    private int port() {
        return URI.create(gw.server.baseUrl()).getPort();
    }

    private static String cookie(Raw answer) {
        String set = answer.header("set-cookie");
        assertThat(set).as(answer.text).isNotNull();
        return set.substring(0, set.indexOf(';'));
    }

    private Raw sendWithCookie(String path, String host, String cookie) throws IOException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: " + cookie
                + "\r\nConnection: close\r\n\r\n");
    }

    private Raw send(String method, String path, String host, String origin, String authorization, String form)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        if (origin != null) {
            head.append("Origin: ").append(origin).append("\r\n");
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
