package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * README "Budgets", Alerts: "the webhook waits up to 3 s to connect and 5 s for its answer". Alerts go out one at a
 * time on one background thread, so a webhook that never finishes its answer holds every later alert (and its
 * retries) behind it.
 */
class WebhookTrickleReviewIT {

    @Test
    void webhookTricklingItsAnswer_isGivenUpWithinTheAnswerBound() throws Exception {
        try (ServerSocket hook = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().start(() -> trickle(hook));
            WebhookAlertSink sink =
                    new WebhookAlertSink(URI.create("http://127.0.0.1:" + hook.getLocalPort() + "/hook"));
            BudgetAlert alert = new BudgetAlert(
                    "feature:chatbot/monthly",
                    "chatbot",
                    "2026-12",
                    80,
                    new BigDecimal("500"),
                    new BigDecimal("400.12"),
                    BudgetPolicy.Mode.ALERT,
                    Instant.parse("2026-12-05T12:00:00Z"));

            CompletableFuture<Object> delivery = CompletableFuture.supplyAsync(() -> {
                try {
                    sink.send(alert);
                    return "delivered";
                } catch (RuntimeException e) {
                    return e;
                }
            });
            // 3 s connect + 5 s answer is the promise; 20 s leaves ample slack. The webhook below trickles one header
            // byte a second for two minutes: the sender should have given up long before.
            Object outcome;
            try {
                outcome = delivery.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                outcome = "still waiting on the webhook after 20 s";
            }
            assertThat(outcome)
                    .as("the alert sender gave up on a webhook whose answer never completes")
                    .isInstanceOf(RuntimeException.class);
            server.interrupt();
        }
    }

    /** Takes one request, then sends its answer's head one byte a second, never ending it (for two minutes). */
    private static void trickle(ServerSocket hook) {
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
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 120 && !Thread.currentThread().isInterrupted(); i++) {
                Thread.sleep(1000);
                out.write('a');
                out.flush();
            }
        } catch (Exception e) {
            // the sender hung up: what the test wants
        }
    }
}
