package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Bedrock InvokeModel call to Claude is recorded with {@code model_served} set to the Anthropic name in Bedrock's
 * response body ({@code claude-haiku-4-5-20251001}; {@code BedrockRuntimeIT} asserts it), where a Converse call to the
 * same model leaves it null, so reports key the Converse call by {@code anthropic.claude-haiku-4-5-20251001-v1:0}.
 * Both were priced at the catalog's {@code bedrock} Haiku 4.5 price. The FOCUS export must show the InvokeModel
 * call's tokens at that price as it does the Converse call's (usage rows with their quantities and ListUnitPrice),
 * not as a price-less adjustment finance cannot trace to a rate.
 */
class BedrockInvokeFocusReviewTest {
    static final PricingCatalog BUNDLED = PricingCatalog.bundled();

    static List<FocusCharge> charges(String pricedModel, TokenUsage tokens, BigDecimal cost) {
        CellKey key =
                new CellKey(LocalDate.of(2026, 11, 3), "bedrock", pricedModel, "k", "chat", "support", null, "prod");
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        usage.add(key, CellTotals.of(1, 1, 0, tokens, cost));
        return FocusCharges.of(usage, BUNDLED, BUNDLED);
    }

    @Test
    void invokeModelClaudeCall_focusRowsAsForTheSameConverseCall() {
        TokenUsage tokens = TokenUsage.anthropic(10_000, 0, 0, 0, 1_000);
        ModelPrice price = BUNDLED.find("bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0")
                .orElseThrow();
        BigDecimal cost = price.cost(tokens); // 10,000 x $1.10 + 1,000 x $5.50 per 1M = 0.0165

        List<FocusCharge> converse = charges("anthropic.claude-haiku-4-5-20251001-v1:0", tokens, cost);
        List<FocusCharge> invoke = charges("claude-haiku-4-5-20251001", tokens, cost);

        assertThat(converse)
                .extracting(c -> c.category() + " " + c.tokens() + " x " + c.listUnitPrice())
                .as("the Converse call: one usage row per token type at the Bedrock price")
                .hasSize(2);
        assertThat(invoke)
                .extracting(c -> c.category() + " " + c.tokens() + " x " + c.listUnitPrice())
                .as("the same call through InvokeModel")
                .containsExactlyInAnyOrderElementsOf(converse.stream()
                        .map(c -> c.category() + " " + c.tokens() + " x " + c.listUnitPrice())
                        .toList());
    }
}
