package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.function.proxy.budget.BackgroundAlertSink;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets": an {@code alert} budget's only effect is its alerts ("forwarded, spend recorded, alerts sent"),
 * at each threshold of the limit; {@code budgets set} "creates or replaces the budget". An operator who raises the
 * limit after the 100 % alert must hear when spend crosses 100 % of the new limit.
 */
class BudgetAlertLimitChangeReviewIT {
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

    private void alertBudget(String limitUsd) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal(limitUsd),
                        Mode.ALERT,
                        List.of(100),
                        null,
                        null));
    }

    private void call() throws Exception {
        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void limitRaisedAfterTheHundredPercentAlert_crossingTheNewLimitAlertsAgain() throws Exception {
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            delivered.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        try {
            gw = GatewayFixture.embedded(
                    dir,
                    Map.of(
                            "SPENDGATE_ALERT_WEBHOOK_URL",
                            "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
            BackgroundAlertSink sink = dev.spendgate.function.proxy.budget.HeldAlerts.background(
                            gw.runtime.budgetStores().alerts())
                    .orElseThrow();
            // 240,000 input tokens at gpt-4o's $2.50 per million: about $0.60 a call
            gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(240_000));

            alertBudget("1.00");
            call();
            call(); // $1.20 of $1.00: the 100 % alert
            sink.awaitIdle(Duration.ofSeconds(30));
            assertThat(delivered).as("first 100 % alert").hasSize(1);

            alertBudget("2.00"); // finance raises the limit for the rest of the month
            call();
            call(); // $2.40 of $2.00: over the new limit
            sink.awaitIdle(Duration.ofSeconds(30));

            assertThat(delivered)
                    .as("alerts received: the 100 % of $1 one, then the 100 % of $2 one ($2.40 spent)")
                    .hasSize(2);
            // money goes out as a decimal string, exact (WebhookAlertSink: "limit_usd": "2.00")
            assertThat(new BigDecimal(delivered.get(1).path("limit_usd").asText()))
                    .isEqualByComparingTo("2");
        } finally {
            webhook.stop(0);
        }
    }

    @Test
    void budgetDeletedWhileACallRuns_sendsNoAlertForIt() throws Exception {
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            delivered.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        try {
            gw = GatewayFixture.embedded(
                    dir,
                    Map.of(
                            "SPENDGATE_ALERT_WEBHOOK_URL",
                            "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
            BackgroundAlertSink sink = dev.spendgate.function.proxy.budget.HeldAlerts.background(
                            gw.runtime.budgetStores().alerts())
                    .orElseThrow();
            gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(240_000)); // about $0.60 a call

            alertBudget("1.00");
            call(); // $0.60 of $1.00: no alert yet
            gw.upstream.setDefaultBehavior(
                    Behavior.defaults().withInputTokens(240_000).withFirstByteDelay(Duration.ofSeconds(3)));
            Thread running = Thread.ofVirtual().start(() -> {
                try {
                    call();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(1000); // the call is admitted and waiting on the provider
            assertThat(gw.runtime.budgetStores().policies().delete("feature:chatbot/monthly"))
                    .as("the operator deletes the budget")
                    .isTrue();
            running.join(30_000);
            sink.awaitIdle(Duration.ofSeconds(30));

            assertThat(delivered)
                    .as("alerts for a budget deleted before spend crossed its threshold")
                    .isEmpty();
        } finally {
            webhook.stop(0);
        }
    }
}
