package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 429 a `block` budget answers (README "Budgets", Modes: "an error in the route's shape with `scope`, ..."). */
class BudgetRefusalScopeReviewIT {
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

    @Test
    void globalBudgetRefuses_scopeIsNamedGlobal() throws Exception {
        Instant now = Instant.parse("2026-12-05T20:00:00Z");
        gw = GatewayFixture.embedded(dir, Map.of(), Clock.fixed(now, ZoneOffset.UTC));
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("0.0001"),
                        Mode.BLOCK,
                        null,
                        null,
                        ZoneId.of("Asia/Tokyo")));

        HttpResponse<String> r = gw.send(gw.post("/v1/chat/completions", chat()));

        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("period").asText()).isEqualTo("2026-12-06");
        // seconds to midnight in Tokyo: 2026-12-06T15:00Z
        assertThat(r.headers().firstValue("Retry-After")).hasValue("68400");
        // README: scopes are `key:ID`, `feature:F`, ... and `global`; the budget is global/daily everywhere else
        assertThat(error.get("scope").asText()).isEqualTo("global");
    }
}
