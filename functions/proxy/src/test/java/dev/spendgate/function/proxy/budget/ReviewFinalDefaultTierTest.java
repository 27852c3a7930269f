package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * Review (final): README "Budgets" shows {@code budgets set --scope run:* --period lifetime --limit-usd 2 --mode block}.
 * An ordinary gpt-5 chat call naming no service tier and no output cap was reserved at $1.28 (128,000 output tokens at
 * $10/M): the first call of a run fit the $2 example. fix22b1 reserves every OpenAI call naming no tier at priority
 * rates ($20/M): $2.56, so that budget refuses the first call of every run with 429, though OpenAI serves such a call
 * at the project's default tier, standard unless the operator opted the project into priority.
 */
class ReviewFinalDefaultTierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    @Test
    void ordinaryGpt5CallNamingNoTier_fitsTheReadmeRunBudgetOfTwoDollars() throws Exception {
        JsonNode body = JSON.readTree(
                "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Plan the next step.\"}]}");
        BigDecimal reserved = estimator
                .estimate(
                        "openai",
                        "gpt-5",
                        Endpoint.CHAT_COMPLETIONS,
                        PromptText.of(Endpoint.CHAT_COMPLETIONS, body),
                        body)
                .orElseThrow();
        assertThat(reserved).isLessThan(new BigDecimal("2"));
    }
}
