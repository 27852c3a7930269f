package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call a routing rule moves and a degrade budget then moves again (README: "A degrade budget acts after routing,
 * from the routed model"), through the real local server and the fake upstream.
 */
class RoutedThenDegradedIT {
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
     * README: a routed call's response "carries X-Spendgate-Routed: gpt-4o -> gpt-4o-mini (rule triage-mini)"; a
     * degraded one says what the budget did in X-Spendgate-Degraded. When both act, the routed header names the
     * degraded model (gpt-4.1-nano) as where rule triage-mini sent the call: a client or a dashboard that reads the
     * header is told the rule moves triage to a model it never names, and the two headers disagree on what gpt-4o
     * became.
     */
    @Test
    void routedThenDegraded_headersSayWhatEachStepDid() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "triage"}]}
                """);
        gw = GatewayFixture.optimized(
                dir, Clock.systemUTC(), Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4o-mini>gpt-4.1-nano"));
        // worst cases at max_tokens 1000 at standard (service_tier default): gpt-4o-mini about $0.0006,
        // gpt-4.1-nano about $0.0004
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("0.0005"),
                        BudgetPolicy.Mode.DEGRADE,
                        null,
                        null,
                        null));

        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":1000,\"service_tier\":\"default\","
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Classify: printer on fire\"}]}")
                .header("X-Cost-Feature", "triage")
                .header("X-Cost-Department", "support"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(gw.upstream.lastRequest().bodyJson().get("model").asText()).isEqualTo("gpt-4.1-nano");
        UsageRecord rec =
                gw.record(r.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(rec.optimization().routedBy()).isEqualTo("triage-mini");
        assertThat(rec.degradedFrom()).isEqualTo("gpt-4o-mini");
        assertThat(r.headers().firstValue(Gateway.DEGRADED_HEADER)).hasValue("gpt-4o-mini -> gpt-4.1-nano");
        assertThat(r.headers().firstValue("X-Spendgate-Routed")).hasValue("gpt-4o -> gpt-4o-mini (rule triage-mini)");
    }
}
