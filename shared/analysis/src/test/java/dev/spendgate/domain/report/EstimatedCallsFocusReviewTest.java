package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A FinOps analyst loads focus-1.1.csv and looks for the spend that rests on estimates: the board PDF and
 * data-quality.json say "1 estimated ($0.65 of the total)" (README, Finance reports: {@code calls.estimated_usd} is the
 * cost of calls priced on tokens the gateway counted itself, {@code usage_source: estimated}, a stream cut before its
 * usage event). The FOCUS file marks estimates with the Tags key {@code x_Estimated} = {@code true}, but only for calls
 * charged at the reserved worst case: a cut stream's tokens are merged into the same Usage rows as provider-reported
 * tokens, so the file's {@code x_Estimated} rows sum to $0 while the PDF says $0.65 of the month is an estimate, and the
 * analyst cannot tell which BilledCost is not a provider-reported count. Figures shown to finance must say what data
 * quality they rest on.
 */
class EstimatedCallsFocusReviewTest {
    private static final Instant T0 = Instant.parse("2026-11-03T15:00:00Z");
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();

    private static UsageRecord call(String id, UsageRecord.UsageSource source) {
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 40_000, 0);
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusSeconds(3))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(CATALOG.find("openai", "gpt-4o").orElseThrow().cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(source)
                .build();
    }

    @Test
    void focus_estimatedCallsCost_isMarkedEstimatedAsThePdfCountsIt() {
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        CostCheck check = CostCheck.against(CATALOG);
        assertThat(usage.offer(call("req-provider", UsageRecord.UsageSource.PROVIDER), check))
                .isTrue();
        assertThat(usage.offer(call("req-cut-stream", UsageRecord.UsageSource.ESTIMATED), check))
                .isTrue();
        BigDecimal estimatedUsd = usage.quality().estimatedUsd();
        assertThat(estimatedUsd)
                .as("what the PDF and data-quality.json call estimated")
                .isPositive();

        List<FocusCharge> charges = FocusCharges.of(usage, CATALOG, CATALOG);

        BigDecimal markedEstimated = charges.stream()
                .filter(c -> "true".equals(c.tags().get("x_Estimated")))
                .map(FocusCharge::billedCost)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(markedEstimated)
                .as(
                        "BilledCost of the FOCUS rows tagged x_Estimated=true equals the estimated cost the PDF"
                                + " states; rows: %s",
                        charges.stream()
                                .map(c -> c.category() + " " + c.tokenType() + " " + c.tokens() + " "
                                        + c.billedCost().toPlainString() + " " + c.tags())
                                .toList())
                .isEqualByComparingTo(estimatedUsd);
    }
}
