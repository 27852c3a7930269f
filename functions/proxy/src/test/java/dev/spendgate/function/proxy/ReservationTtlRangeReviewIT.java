package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when SPENDGATE_RESERVATION_TTL_SECONDS is past what an Instant can hold: the start is refused
 * naming the variable ({@link ConfigValuesReviewTest}), and the longest TTL it takes (10 years) still serves a call
 * under a budget with ample room (before the fix, a huge TTL started and every budgeted call got 503).
 */
class ReservationTtlRangeReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void hugeReservationTtl_isRefusedAtStart() {
        assertThatThrownBy(() ->
                        GatewayFixture.embedded(dir, Map.of("SPENDGATE_RESERVATION_TTL_SECONDS", "99999999999999999")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_RESERVATION_TTL_SECONDS");
    }

    @Test
    void longestReservationTtl_callUnderABudgetWithRoom_isServedAndCounted() throws Exception {
        gw = GatewayFixture.embedded(
                dir,
                Map.of("SPENDGATE_RESERVATION_TTL_SECONDS", Long.toString(ProxyConfig.MAX_RESERVATION_TTL_SECONDS)));
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("100"),
                        Mode.BLOCK,
                        List.of(80),
                        null,
                        null));
        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));
        assertThat(r.statusCode())
                .as("a $100 block budget with nothing spent admits a call of a fraction of a cent: " + r.body())
                .isEqualTo(200);
    }
}
