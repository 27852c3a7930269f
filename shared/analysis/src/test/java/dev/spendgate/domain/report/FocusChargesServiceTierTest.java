package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class FocusChargesServiceTierTest {
    static final PricingCatalog BUNDLED = PricingCatalog.bundled();

    static UsageRecord call(String id, String served, String cost) {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(200))
                .keyId("k")
                .provider("openai")
                .modelRequested("gpt-5-mini")
                .modelServed("gpt-5-mini-2025-08-07")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .serviceTierServed(served)
                .build();
    }

    @Test
    void of_flexAndStandardCalls_areSeparateRowsAtEachTiersListPrice() {
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        // gpt-5-mini, 1M input + 100k output: standard 0.25 + 0.20 = 0.45; flex 0.125 + 0.10 = 0.225
        usage.add(call("a", "default", "0.45"));
        usage.add(call("b", "flex", "0.225"));

        List<FocusCharge> charges = FocusCharges.of(usage, BUNDLED, BUNDLED);

        assertThat(charges)
                .extracting(c -> c.serviceTier() + " " + c.tokenType().id() + " " + c.tokens() + " x "
                        + c.listUnitPrice().toPlainString())
                .containsExactly(
                        "null Input 1000000 x 0.25",
                        "null Output 100000 x 2",
                        "flex Input 1000000 x 0.125",
                        "flex Output 100000 x 1");
        assertThat(charges).allSatisfy(c -> assertThat(c.category()).isEqualTo(FocusCharge.Category.USAGE));
        assertThat(charges.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("0.675");
    }

    @Test
    void of_tierWithoutCatalogRates_becomesAnAdjustmentKeepingTheRecordedCost() {
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        usage.add(call("a", "scale", "0.40"));

        List<FocusCharge> charges = FocusCharges.of(usage, BUNDLED, BUNDLED);

        assertThat(charges).singleElement().satisfies(c -> {
            assertThat(c.category()).isEqualTo(FocusCharge.Category.ADJUSTMENT);
            assertThat(c.serviceTier()).isEqualTo("scale");
            assertThat(c.billedCost()).isEqualByComparingTo("0.40");
        });
    }
}
