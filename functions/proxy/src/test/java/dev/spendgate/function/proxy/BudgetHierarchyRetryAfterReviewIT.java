package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (round four of budget operation): a daily and a monthly budget over one call, both short of its worst case. The
 * 429's {@code Retry-After} tells the client when to try again (RFC 9110, 10.2.3).
 */
class BudgetHierarchyRetryAfterReviewIT {
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

    private BudgetPolicy global(BudgetPeriod period, String limitUsd) {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("global"), period, new BigDecimal(limitUsd), Mode.BLOCK, null, null, ZoneOffset.UTC);
        gw.runtime.budgetStores().policies().put(policy);
        return policy;
    }

    private void spend(BudgetPolicy policy, Instant at, String usd) {
        BudgetLedger ledger = gw.runtime.budgetStores().ledger();
        BigDecimal amount = new BigDecimal(usd);
        String item = policy.itemKey("*", at);
        ledger.reserve(item, policy.limitUsd(), amount);
        ledger.settle(item, amount, amount);
    }

    @Test
    void refusedByTheDailyAndTheMonthlyBudget_retryAfterIsWhenBothHaveRoomAgain() throws Exception {
        Instant now = Instant.parse("2026-12-14T20:00:00Z");
        gw = GatewayFixture.embedded(dir, Map.of(), Clock.fixed(now, ZoneOffset.UTC));
        BudgetPolicy daily = global(BudgetPeriod.DAILY, "1");
        BudgetPolicy monthly = global(BudgetPeriod.MONTHLY, "30");
        spend(monthly, now, "29.9995"); // $0.0005 left this month
        spend(daily, now, "0.9998"); // $0.0002 left today

        HttpResponse<String> r = gw.send(gw.post("/v1/chat/completions", chat()));

        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(r.body()).get("error");
        // 100 output tokens of gpt-4o alone are $0.001: neither budget can take the call
        long toMidnight =
                Duration.between(now, Instant.parse("2026-12-15T00:00:00Z")).getSeconds();
        long toMonthEnd =
                Duration.between(now, Instant.parse("2027-01-01T00:00:00Z")).getSeconds();
        assertThat(r.headers().firstValue("Retry-After"))
                .as(
                        "at midnight the monthly budget still has $0.0005 left: the call is refused again until 2027-01"
                                + " (%s s to midnight)",
                        toMidnight)
                .hasValue(Long.toString(toMonthEnd));
        assertThat(error.get("period").asText())
                .as("the budget that keeps refusing the call after midnight")
                .isEqualTo("2026-12");
    }
}
