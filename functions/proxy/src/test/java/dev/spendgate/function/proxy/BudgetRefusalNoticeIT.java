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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets": a block budget refuses a call whose worst case does not fit what is left, which can be long before
 * its 80 or 100 % alert. The team watching the alert webhook hears of the first refusal of the period.
 */
class BudgetRefusalNoticeIT {
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

    private int call(int maxTokens) {
        return gw.send(gw.post(
                                "/v1/chat/completions",
                                "{\"model\":\"gpt-4o\",\"max_tokens\":" + maxTokens
                                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                        .header("X-Cost-Feature", "chatbot"))
                .statusCode();
    }

    @Test
    void firstRefusedCall_reachesTheAlertWebhookOnce_beforeAnyThreshold() throws Exception {
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
            gw.runtime
                    .budgetStores()
                    .policies()
                    .put(new BudgetPolicy(
                            BudgetScope.parse("feature:chatbot"),
                            BudgetPeriod.MONTHLY,
                            new BigDecimal("2.00"),
                            Mode.BLOCK,
                            List.of(80, 100),
                            null,
                            null));
            assertThat(call(100)).isEqualTo(200);
            assertThat(call(100)).isEqualTo(200); // about $1.20 of $2.00

            // 100,000 output tokens at $10 per million: a $1.00 worst case does not fit the $0.80 left
            int[] refused = {call(100_000), call(100_000)};
            sink.awaitIdle(Duration.ofSeconds(30));

            assertThat(refused).containsOnly(429);
            assertThat(delivered)
                    .as("60 %: no threshold alert, one refusal notice")
                    .hasSize(1);
            JsonNode notice = delivered.get(0);
            assertThat(notice.path("kind").asText()).isEqualTo("budget_refused");
            assertThat(notice.path("policy").asText()).isEqualTo("feature:chatbot/monthly");
            assertThat(new BigDecimal(notice.path("limit_usd").asText())).isEqualByComparingTo("2");
            assertThat(new BigDecimal(notice.path("spent_usd").asText()))
                    .isGreaterThan(new BigDecimal("1.1"))
                    .isLessThan(new BigDecimal("1.3"));
            assertThat(notice.path("text").asText()).contains("refused a call").contains("did not fit");
        } finally {
            webhook.stop(0);
        }
    }
}
