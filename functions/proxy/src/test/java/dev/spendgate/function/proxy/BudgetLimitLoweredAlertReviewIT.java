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
 * Review (session 22, budgets round two): README "Budgets", alerts: "a budget whose limit is changed alerts again at
 * the thresholds of the new limit". Alerts are only looked at when a call settles; a block budget whose limit is
 * lowered below what is already spent refuses every call from then on, so none settles and the new limit's alerts
 * never come.
 */
class BudgetLimitLoweredAlertReviewIT {
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

    private void blockBudget(String limitUsd) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal(limitUsd),
                        Mode.BLOCK,
                        List.of(100),
                        null,
                        null));
    }

    private int call() {
        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));
        return r.statusCode();
    }

    /**
     * $2.00 monthly block budget, alert at 100 %; two calls spend $1.20. Finance lowers the limit to $1.00 to stop the
     * feature: $1.20 is 120 % of the new limit, and every later call is refused (429). Expected: the 100 % alert of the
     * $1.00 limit, once. Today: no alert at all, however many calls are refused.
     */
    @Test
    void blockLimitLoweredBelowSpend_everyCallRefused_hundredPercentAlertOfTheNewLimitIsSent() throws Exception {
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

            blockBudget("2.00");
            assertThat(call()).isEqualTo(200);
            assertThat(call()).isEqualTo(200); // $1.20 of $2.00: no alert at 100 %
            sink.awaitIdle(Duration.ofSeconds(30));
            assertThat(delivered).isEmpty();

            blockBudget("1.00"); // finance stops the feature for the rest of the month
            int[] refused = {call(), call(), call()};
            sink.awaitIdle(Duration.ofSeconds(30));

            assertThat(refused).containsOnly(429);
            assertThat(delivered)
                    .as("alerts after the limit went to $1.00 with $1.20 spent and 3 calls refused")
                    .hasSize(1);
            assertThat(delivered.get(0).path("threshold_percent").asInt()).isEqualTo(100);
            assertThat(new BigDecimal(delivered.get(0).path("limit_usd").asText()))
                    .isEqualByComparingTo("1");
        } finally {
            webhook.stop(0);
        }
    }
}
