package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The ceiling a query holds costs to is the maximum the record-by-record check holds them to. */
class CostCheckCeilingTest {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    static final Instant NOV_2 = Instant.parse("2026-11-02T10:00:00Z");

    static UsageRecord probe(String provider, String model) {
        return UsageRecord.builder()
                .requestId("r")
                .tsStart(NOV_2)
                .tsEnd(NOV_2)
                .provider(provider)
                .modelRequested(model)
                .modelServed(model)
                .build();
    }

    @Test
    void ceiling_ofEveryCatalogModel_isTheCheckersMaximumForTokensAndSearches() {
        // 1,234 input, 567 output, 5 searches of which 2 by web_search_preview: every fee path counts
        TokenUsage tokens = new TokenUsage(1234, 200, 0, 0, 567, 0, 5, 2, 0, 0);
        int checked = 0;
        for (ModelPrice price : CATALOG.entries()) {
            ModelPrice inForce =
                    CATALOG.find(price.provider(), price.model(), NOV_2).orElseThrow();
            CostCheck.Ceiling ceiling = CostCheck.against(CATALOG)
                    .ceiling(probe(price.provider(), price.model()))
                    .orElseThrow();
            BigDecimal expected = CostCheck.maximum(inForce, tokens);
            assertThat(ceiling.of(tokens))
                    .as(price.provider() + " " + price.model())
                    .isEqualByComparingTo(
                            price.webSearchPer1k() == null ? CostCheck.maximum(inForce, noSearch(tokens)) : expected);
            checked++;
        }
        assertThat(checked).isGreaterThan(50);
    }

    static TokenUsage noSearch(TokenUsage t) {
        return new TokenUsage(t.inputTokens(), t.cachedInputTokens(), 0, 0, t.outputTokens(), 0);
    }

    @Test
    void ceiling_gpt4oPreviewSearches_atTheirOwnFee() {
        CostCheck.Ceiling c =
                CostCheck.against(CATALOG).ceiling(probe("openai", "gpt-4o")).orElseThrow();

        assertThat(c.perPreviewSearch()).isEqualByComparingTo("0.025");
        assertThat(c.perSearch()).isLessThan(c.perPreviewSearch());
    }

    @Test
    void ceiling_unknownModelOrNoCatalogOrWorstCase_none() {
        assertThat(CostCheck.against(CATALOG).ceiling(probe("openai", "my-fine-tune")))
                .isEmpty();
        assertThat(CostCheck.NONE.ceiling(probe("openai", "gpt-4o"))).isEmpty();
        assertThat(CostCheck.against(CATALOG)
                        .ceiling(probe("openai", "gpt-4o").toBuilder()
                                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                                .build()))
                .isEmpty();
    }

    @Test
    void ceiling_noProvider_theMaximumOfTheProviderThatKnowsTheModel() {
        TokenUsage tokens = new TokenUsage(1000, 0, 0, 0, 1000, 0);

        BigDecimal ceiling = CostCheck.against(CATALOG)
                .ceiling(probe(null, "gpt-4o"))
                .orElseThrow()
                .of(tokens);

        assertThat(ceiling)
                .isEqualByComparingTo(CostCheck.maximum(
                        CATALOG.find("openai", "gpt-4o", NOV_2).orElseThrow(), tokens));
    }
}
