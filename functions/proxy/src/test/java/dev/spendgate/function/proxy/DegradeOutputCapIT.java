package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A degrade budget moves a call along the operator's chain. A call asking more output than the cheaper model can give
 * (max_tokens 20,000; gpt-4o-mini answers at most 16,384) was moved anyway, and OpenAI refuses such a request with 400:
 * the gateway turned a call it could have refused cleanly (429, the budget named) into a provider error. Routing rules
 * already keep such calls on their model (README "Routing and caching").
 */
class DegradeOutputCapIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private void degradeBudget(String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("department:engineering"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal(limit),
                        Mode.DEGRADE,
                        null,
                        null,
                        null));
    }

    private HttpResponse<String> call(int maxTokens) {
        return gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4.1\",\"max_tokens\":" + maxTokens
                                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Department", "engineering"));
    }

    @Test
    void degrade_cheaperModelCannotAnswerTheOutputCap_refusedNotMovedToAProviderError() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4.1>gpt-4o-mini"));
        // gpt-4.1's worst case for 20,000 output tokens is $0.16, over the limit; gpt-4o-mini's $0.012 would fit
        degradeBudget("0.05");

        HttpResponse<String> response = call(20_000);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.body()).contains("budget_exceeded");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void degrade_outputCapTheCheaperModelAnswers_stillMoved() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4.1>gpt-4o-mini"));
        degradeBudget("0.05");

        HttpResponse<String> response = call(16_000);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.lastRequest().bodyJson().get("model").asText()).isEqualTo("gpt-4o-mini");
    }
}
