package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.testing.upstream.Behavior;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budget threshold alerts as an operator receives them on a Slack-compatible webhook (README "Budgets", "Alerts at
 * each threshold ... once per budget, period and threshold"), with the webhook briefly failing or slow.
 */
class BudgetAlertDeliveryReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String chat() {
        return "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}";
    }

    private void alertBudget(List<Integer> alertAt) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.01"),
                        Mode.ALERT,
                        alertAt,
                        null,
                        null));
    }

    @Test
    void webhookFailsOnce_thresholdAlertIsStillDelivered() throws Exception {
        AtomicInteger posts = new AtomicInteger();
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (posts.incrementAndGet() == 1) {
                exchange.sendResponseHeaders(503, -1); // Slack having a bad second
            } else {
                delivered.add(JSON.readTree(body));
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        webhook.start();
        try {
            gw = GatewayFixture.embedded(
                    dir,
                    Map.of(
                            "SPENDGATE_ALERT_WEBHOOK_URL",
                            "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
            alertBudget(List.of(50));
            gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(2400)); // $0.00624 per call

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r =
                        gw.send(gw.post("/v1/chat/completions", chat()).header("X-Cost-Feature", "chatbot"));
                assertThat(r.statusCode()).isEqualTo(200);
            }

            // alerts go out on a background sender that retries (README): wait for it to be idle (or 30 s, the
            // retries' first minute) before counting what reached the operator
            dev.spendgate.function.proxy.budget.HeldAlerts.background(
                            gw.runtime.budgetStores().alerts())
                    .orElseThrow()
                    .awaitIdle(java.time.Duration.ofSeconds(30));
            assertThat(posts.get())
                    .as("the first alert was posted and refused with 503")
                    .isGreaterThanOrEqualTo(1);
            // $0.01872 of $0.01 spent: the 50 % alert must have reached the operator once, not been dropped.
            assertThat(delivered)
                    .as("50 % alerts the webhook accepted")
                    .filteredOn(a -> a.path("threshold_percent").asInt() == 50)
                    .hasSize(1);
        } finally {
            webhook.stop(0);
        }
    }

    @Test
    void slowWebhook_clientAnswerIsNotHeldByTheAlert() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch received = new CountDownLatch(1);
        AtomicBoolean abandoned = new AtomicBoolean();
        try (ServerSocket hook = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread server =
                    Thread.ofPlatform().daemon().start(() -> holdOneRequest(hook, received, release, abandoned));
            gw = GatewayFixture.embedded(
                    dir, Map.of("SPENDGATE_ALERT_WEBHOOK_URL", "http://127.0.0.1:" + hook.getLocalPort() + "/hook"));
            alertBudget(List.of(50));
            gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(2400)); // $0.00624: crosses 50 %

            HttpResponse<String> r =
                    gw.send(gw.post("/v1/chat/completions", chat()).header("X-Cost-Feature", "chatbot"));
            boolean abandonedBeforeAnswer = abandoned.get();
            release.countDown();

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(received.await(30, TimeUnit.SECONDS))
                    .as("the alert reached the webhook")
                    .isTrue();
            // The webhook has not answered yet when the client gets its answer: the alert must not stand between
            // them. Now the sink waits out its 5 s read timeout, gives up on the webhook, and only then answers.
            assertThat(abandonedBeforeAnswer)
                    .as("the alert sink gave up on the slow webhook before the client got its answer")
                    .isFalse();
            server.join(10_000);
        }
    }

    /** Reads one request, then holds it unanswered until released, noting whether the sender hangs up first. */
    private static void holdOneRequest(
            ServerSocket hook, CountDownLatch received, CountDownLatch release, AtomicBoolean abandoned) {
        try (Socket s = hook.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
            received.countDown();
            s.setSoTimeout(100);
            while (release.getCount() > 0) {
                try {
                    if (in.read() < 0) {
                        abandoned.set(true);
                        release.await();
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // still held
                }
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (Exception e) {
            abandoned.set(true);
        }
    }
}
