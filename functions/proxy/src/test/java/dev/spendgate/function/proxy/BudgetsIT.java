package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetsIT {
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

    private static String chat(String model, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}";
    }

    private void budget(String scope, BudgetPeriod period, String limit, Mode mode, List<Integer> alertAt) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse(scope), period, new BigDecimal(limit), mode, alertAt, null, null));
    }

    @Test
    void block_budgetExhausted_refuses429NamingScopeAndForwardsNothing() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of());
        budget("feature:chatbot", BudgetPeriod.MONTHLY, "0.02", Mode.BLOCK, null);
        // gpt-4o: 4000 input tokens x $2.50 + 24 output x $10 per 1M = $0.01024 actual per call
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(4000));

        HttpResponse<String> first =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", 1000)).header("X-Cost-Feature", "chatbot"));
        HttpResponse<String> second =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", 1000)).header("X-Cost-Feature", "chatbot"));
        HttpResponse<String> otherFeature =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o", 1000)).header("X-Cost-Feature", "search"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue(Gateway.REMAINING_HEADER).map(BigDecimal::new))
                .hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("0.00976"));
        assertThat(second.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(second.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(error.get("scope").asText()).isEqualTo("feature:chatbot");
        assertThat(error.get("period").asText()).isEqualTo(BudgetPeriod.MONTHLY.key(Instant.now(), ZoneOffset.UTC));
        assertThat(new BigDecimal(error.get("limit_usd").asText())).isEqualByComparingTo("0.02");
        assertThat(new BigDecimal(error.get("spent_usd").asText())).isEqualByComparingTo("0.01024");
        assertThat(error.get("message").asText()).contains("feature:chatbot").contains("0.02");
        assertThat(second.headers().firstValue("Retry-After").map(Long::parseLong))
                .hasValueSatisfying(s -> assertThat(s).isPositive());
        assertThat(otherFeature.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
        UsageRecord refused =
                gw.record(second.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.errorType()).isEqualTo("budget_exceeded");
        assertThat(refused.costUsd()).isNull();
    }

    @Test
    void degrade_shortForThePremiumModel_forwardsTheNextModelOfTheChain() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mini"));
        budget("department:engineering", BudgetPeriod.MONTHLY, "0.005", Mode.DEGRADE, null);

        HttpResponse<String> response = gw.send(
                gw.post("/v1/chat/completions", chat("gpt-4o", 1000)).header("X-Cost-Department", "engineering"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(Gateway.DEGRADED_HEADER)).hasValue("gpt-4o -> gpt-4o-mini");
        assertThat(gw.upstream.lastRequest().bodyJson().get("model").asText()).isEqualTo("gpt-4o-mini");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.modelRequested()).isEqualTo("gpt-4o");
        assertThat(r.degradedFrom()).isEqualTo("gpt-4o");
        assertThat(r.modelServed()).isEqualTo("gpt-4o-mini");
        // priced at gpt-4o-mini: 24 output tokens x $0.60 per 1M, plus input at $0.15
        assertThat(r.costUsd()).isLessThan(new BigDecimal("0.0001"));
    }

    @Test
    void degrade_noModelOfTheChainFits_refuses429() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mini"));
        budget("department:engineering", BudgetPeriod.DAILY, "0.0001", Mode.DEGRADE, null);

        HttpResponse<String> response = gw.send(
                gw.post("/v1/chat/completions", chat("gpt-4o", 1000)).header("X-Cost-Department", "engineering"));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void alert_overTheLimit_forwardsEveryCallAndAlertsOncePerThreshold() throws Exception {
        List<String> hooks = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            hooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
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
            budget("feature:chatbot", BudgetPeriod.MONTHLY, "0.01", Mode.ALERT, List.of(50, 100));
            gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(2400)); // $0.00624 per call

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = gw.send(
                        gw.post("/v1/chat/completions", chat("gpt-4o", 100)).header("X-Cost-Feature", "chatbot"));
                assertThat(r.statusCode()).isEqualTo(200);
            }

            // alerts are delivered in the background: wait for the sender to be idle (or 10 s) before counting
            dev.spendgate.function.proxy.budget.HeldAlerts.background(
                            gw.runtime.budgetStores().alerts())
                    .orElseThrow()
                    .awaitIdle(java.time.Duration.ofSeconds(10));
            assertThat(hooks).hasSize(2);
            assertThat(hooks.stream().map(h -> json(h).get("threshold_percent").asInt()))
                    .containsExactlyInAnyOrder(50, 100);
            assertThat(json(hooks.get(0)).get("text").asText()).contains("feature:chatbot/monthly");
        } finally {
            webhook.stop(0);
        }
    }

    @Test
    void velocity_sessionOverItsCallsPerMinute_is429WithRetryAfter() throws Exception {
        Clock clock = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(15), ZoneOffset.UTC);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_SESSION_CALLS_PER_MINUTE", "3"), clock);

        for (int i = 0; i < 3; i++) {
            assertThat(gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini", 50))
                                    .header("X-Cost-Session", "s-1"))
                            .statusCode())
                    .isEqualTo(200);
        }
        HttpResponse<String> fourth =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini", 50)).header("X-Cost-Session", "s-1"));
        HttpResponse<String> otherSession =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini", 50)).header("X-Cost-Session", "s-2"));

        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(fourth.body()).at("/error/type").asText()).isEqualTo("velocity_limit");
        assertThat(fourth.headers().firstValue("Retry-After")).hasValue("45");
        assertThat(otherSession.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.requestCount()).isEqualTo(4);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
