package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A call that ran web searches is recorded with them ({@code web_searches}) and their fee in its cost ($10 per 1,000
 * on Claude): the report's cost check re-prices it with them, so it is summed, neither implausible nor mismatched.
 */
class WebSearchRecordsTest {
    private static final Instant T0 = Instant.parse("2026-12-03T15:00:00Z");
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final CostCheck CHECK = CostCheck.against(CATALOG);

    private static UsageRecord sonnet(TokenUsage tokens, String cost) {
        return UsageRecord.builder()
                .requestId("req-1")
                .tsStart(T0)
                .tsEnd(T0.plusSeconds(4))
                .keyId("key_1")
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-sonnet-4-5")
                .modelServed("claude-sonnet-4-5-20250929")
                .tokens(tokens)
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    @Test
    void check_costWithTheSearchFee_isSummed() {
        // 1,000 x $3 + 200 x $15 per 1M = $0.006, plus 3 searches x $0.01; tokens alone can cost at most $0.027
        UsageRecord searched = sonnet(TokenUsage.anthropic(1_000, 0, 0, 0, 200).withWebSearches(3), "0.036");

        assertThat(CHECK.check(searched)).isEmpty();
    }

    @Test
    void check_sameCostWithoutSearchesOnTheRecord_isNotTheCatalogPrice() {
        UsageRecord tokensOnly = sonnet(TokenUsage.anthropic(1_000, 0, 0, 0, 200), "0.036");

        assertThat(CHECK.check(tokensOnly)).contains(CostCheck.Reason.IMPLAUSIBLE_COST);
    }
}
