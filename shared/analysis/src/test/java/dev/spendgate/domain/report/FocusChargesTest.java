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

class FocusChargesTest {
    static final PricingCatalog BUNDLED = PricingCatalog.bundled();
    static final CellKey SONNET = new CellKey(
            LocalDate.of(2026, 11, 3), "anthropic", "claude-sonnet-4-5-20250929", "k", "chat", "support", null, "prod");

    static MonthlyUsage month(CellKey key, CellTotals totals) {
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        usage.add(key, totals);
        return usage;
    }

    static BigDecimal billed(List<FocusCharge> charges) {
        return charges.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void of_everyTokenType_isOneChargeAtItsCatalogPriceSummingToTheRecordedCost() {
        TokenUsage tokens = TokenUsage.anthropic(1200, 3000, 400, 100, 250);
        ModelPrice price = BUNDLED.find("anthropic", "claude-sonnet-4-5").orElseThrow();
        List<FocusCharge> charges =
                FocusCharges.of(month(SONNET, CellTotals.of(1, 1, 0, tokens, price.cost(tokens))), BUNDLED, BUNDLED);

        assertThat(charges)
                .extracting(c -> c.tokenType().meter() + " " + c.tokens() + " x " + c.listUnitPrice())
                .containsExactly(
                        "Input Tokens 1200 x "
                                + price.input().stripTrailingZeros().toPlainString(),
                        "Cached Input Tokens 3000 x "
                                + price.cachedInput().stripTrailingZeros().toPlainString(),
                        "Cache Write Tokens (5m) 400 x "
                                + price.cacheWrite5m().stripTrailingZeros().toPlainString(),
                        "Cache Write Tokens (1h) 100 x "
                                + price.cacheWrite1h().stripTrailingZeros().toPlainString(),
                        "Output Tokens 250 x "
                                + price.output().stripTrailingZeros().toPlainString());
        assertThat(charges).allSatisfy(c -> {
            assertThat(c.model()).isEqualTo("claude-sonnet-4-5");
            assertThat(c.tags())
                    .containsExactly(
                            java.util.Map.entry("department", "support"),
                            java.util.Map.entry("feature", "chat"),
                            java.util.Map.entry("environment", "prod"));
        });
        assertThat(billed(charges)).isEqualByComparingTo(price.cost(tokens));
    }

    /**
     * A US-only Opus 4.6 call is billed at 1.1x its per-token price. The usage rows price tokens per token, so the
     * 10 % is an adjustment; its reason must name the surcharge, not read as a price change finance cannot find.
     */
    @Test
    void of_usOnlyCall_adjustmentNamesTheSurchargeNotJustACatalogDifference() {
        TokenUsage tokens = TokenUsage.anthropic(1_000_000, 0, 0, 0, 100_000);
        ModelPrice price = BUNDLED.find("anthropic", "claude-opus-4-6").orElseThrow();
        BigDecimal billedAtUs = price.quote(tokens, null, "us").orElseThrow().cost();
        CellKey key = new CellKey(
                LocalDate.of(2026, 11, 3), "anthropic", "claude-opus-4-6", "k", "chat", "support", null, "prod");

        List<FocusCharge> charges =
                FocusCharges.of(month(key, CellTotals.of(1, 1, 0, tokens, billedAtUs)), BUNDLED, BUNDLED);

        assertThat(billed(charges)).isEqualByComparingTo("8.25");
        assertThat(charges)
                .filteredOn(c -> c.category() == FocusCharge.Category.ADJUSTMENT)
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.billedCost()).isEqualByComparingTo("0.75");
                    assertThat(c.note())
                            .contains("inference_geo us billed at 1.1x")
                            .contains("web searches billed at 10 USD per 1,000");
                });
    }

    @Test
    void of_azureCallsPricedAsOpenAi_areUsageRowsUnderAzureAtOpenAiPrices() {
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 500_000, 0);
        BigDecimal cost = BUNDLED.find("openai", "gpt-4o").orElseThrow().cost(tokens);
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "azure", "gpt-4o", "k", null, null, null, null, "openai");

        List<FocusCharge> charges = FocusCharges.of(month(key, CellTotals.of(1, 1, 0, tokens, cost)), BUNDLED, BUNDLED);

        assertThat(charges).hasSize(2).allSatisfy(c -> {
            assertThat(c.category()).isEqualTo(FocusCharge.Category.USAGE);
            assertThat(c.provider()).isEqualTo("azure");
        });
        assertThat(FocusCharges.providerName(charges.get(0).provider())).isEqualTo("Microsoft");
        assertThat(billed(charges)).isEqualByComparingTo(cost);
    }

    @Test
    void of_negotiatedDiscount_billsAtContractedPriceAndShowsListPriceBeside() {
        ModelPrice list = BUNDLED.find("openai", "gpt-4o").orElseThrow();
        PricingCatalog contracted = PricingCatalog.of("discounted", List.of(list.scaled(new BigDecimal("0.8"))));
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 500_000, 0);
        BigDecimal cost = contracted.find("openai", "gpt-4o").orElseThrow().cost(tokens);
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "openai", "gpt-4o", "k", null, null, null, null);

        List<FocusCharge> charges =
                FocusCharges.of(month(key, CellTotals.of(1, 1, 0, tokens, cost)), contracted, BUNDLED);

        assertThat(charges).hasSize(2).allSatisfy(c -> assertThat(c.category()).isEqualTo(FocusCharge.Category.USAGE));
        FocusCharge output = charges.get(1);
        assertThat(output.listUnitPrice()).isEqualByComparingTo("10");
        assertThat(output.contractedUnitPrice()).isEqualByComparingTo("8");
        assertThat(output.listCost()).isEqualByComparingTo("5");
        assertThat(output.billedCost()).isEqualByComparingTo("4");
        assertThat(billed(charges)).isEqualByComparingTo(cost);
        assertThat(charges.get(0).tags()).isEmpty();
    }

    @Test
    void of_modelNoLongerInTheCatalog_isOneAdjustmentOfTheWholeRecordedCost() {
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "openai", "gpt-retired", "k", "f", "d", null, null);
        List<FocusCharge> charges = FocusCharges.of(
                month(key, CellTotals.of(3, 3, 0, TokenUsage.openAi(10, 0, 5, 0), new BigDecimal("0.0123"))),
                BUNDLED,
                BUNDLED);

        assertThat(charges).singleElement().satisfies(c -> {
            assertThat(c.category()).isEqualTo(FocusCharge.Category.ADJUSTMENT);
            assertThat(c.billedCost()).isEqualByComparingTo("0.0123");
            assertThat(c.listCost()).isEqualByComparingTo("0.0123");
            assertThat(c.note()).contains("not in the current pricing catalog");
            assertThat(c.calls()).isEqualTo(3);
        });
    }

    @Test
    void of_onlyUnpricedCalls_givesNoCharge() {
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "openai", "mystery", "k", null, null, null, null);
        assertThat(FocusCharges.of(
                        month(key, CellTotals.of(4, 0, 4, TokenUsage.ZERO, BigDecimal.ZERO)), BUNDLED, BUNDLED))
                .isEmpty();
    }

    @Test
    void pricingQuantity_isTokensPerMillionExactly() {
        assertThat(FocusCharges.pricingQuantity(1).toPlainString()).isEqualTo("0.000001");
        assertThat(FocusCharges.pricingQuantity(2_500_000).toPlainString()).isEqualTo("2.5");
        assertThat(FocusCharges.pricingQuantity(3_000_000).toPlainString()).isEqualTo("3");
    }

    static dev.spendgate.domain.usage.UsageRecord call(
            String id, TokenUsage tokens, BigDecimal cost, boolean worstCase) {
        var b = dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId(id)
                .tsStart(java.time.Instant.parse("2026-11-03T10:00:00Z"))
                .tsEnd(java.time.Instant.parse("2026-11-03T10:00:02Z"))
                .keyId("k")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED);
        if (worstCase) {
            b.usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.ESTIMATED)
                    .errorType("unsettled")
                    .costBasis(dev.spendgate.domain.usage.UsageRecord.CostBasis.RESERVED_WORST_CASE);
        } else {
            b.usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.PROVIDER);
        }
        return b.build();
    }

    @Test
    void of_callsChargedAtTheirWorstCase_areTheirOwnTaggedAdjustmentApartFromCatalogDifferences() {
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "openai", "gpt-4o", "k", "chat", "support", null, null);
        TokenUsage tokens = TokenUsage.openAi(1_000, 0, 200, 0);
        BigDecimal atCatalog = BUNDLED.find("openai", "gpt-4o").orElseThrow().cost(tokens);
        CellTotals totals = new CellTotals();
        totals.add(call("settled-1", tokens, atCatalog, false));
        totals.add(call("settled-2", tokens, atCatalog.add(new BigDecimal("0.000001")), false)); // an old price
        totals.add(call("settled-3", tokens, atCatalog, false));
        totals.add(call("killed-1", TokenUsage.ZERO, new BigDecimal("0.16525"), true));
        totals.add(call("killed-2", TokenUsage.ZERO, new BigDecimal("0.0203"), true));

        List<FocusCharge> charges = FocusCharges.of(month(key, totals), BUNDLED, BUNDLED);

        assertThat(billed(charges))
                .as("to the last digit")
                .isEqualByComparingTo(atCatalog.multiply(BigDecimal.valueOf(3)).add(new BigDecimal("0.185551")));
        assertThat(charges.stream().mapToLong(FocusCharge::calls).sum()).isEqualTo(5);
        List<FocusCharge> adjustments = charges.stream()
                .filter(c -> c.category() == FocusCharge.Category.ADJUSTMENT)
                .toList();
        assertThat(adjustments).hasSize(2);
        assertThat(adjustments)
                .filteredOn(c -> c.tags().containsKey(FocusCharges.COST_BASIS_TAG))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.billedCost()).isEqualByComparingTo("0.18555");
                    assertThat(c.calls()).isEqualTo(2);
                    assertThat(c.tags())
                            .containsEntry("feature", "chat")
                            .containsEntry("department", "support")
                            .containsEntry("x_CostBasis", "reserved_worst_case")
                            .containsEntry("x_Estimated", "true");
                    assertThat(c.note())
                            .startsWith("Charged at the reserved worst case: 2 gpt-4o calls never settled")
                            .doesNotContain("catalog");
                });
        assertThat(adjustments)
                .filteredOn(c -> !c.tags().containsKey(FocusCharges.COST_BASIS_TAG))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.billedCost()).isEqualByComparingTo("0.000001");
                    assertThat(c.note()).contains("differs from the current catalog price");
                });
    }

    /**
     * A cut stream's tokens (counted by the gateway, {@code usage_source: estimated}) are usage rows of their own,
     * tagged estimated with any catalog difference of those calls, so a FinOps analyst who filters {@code x_Estimated}
     * finds every estimated dollar, and the file still sums to the log to the last digit.
     */
    @Test
    void of_cutStreamsTokens_areEstimatedRowsOfTheirOwnAndTheFileStillSumsToTheLog() {
        CellKey key = new CellKey(LocalDate.of(2026, 11, 3), "openai", "gpt-4o", "k", "chat", "support", null, null);
        TokenUsage tokens = TokenUsage.openAi(1_000, 0, 200, 0);
        BigDecimal atCatalog = BUNDLED.find("openai", "gpt-4o").orElseThrow().cost(tokens);
        BigDecimal oldPrice = atCatalog.add(new BigDecimal("0.000001"));
        CellTotals totals = new CellTotals();
        totals.add(call("settled-1", tokens, atCatalog, false));
        var cut = dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId("cut-1")
                .tsStart(java.time.Instant.parse("2026-11-03T10:00:00Z"))
                .tsEnd(java.time.Instant.parse("2026-11-03T10:00:02Z"))
                .keyId("k")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .tokens(TokenUsage.openAi(3_000, 0, 500, 0))
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED)
                .usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.ESTIMATED);
        BigDecimal cutCost = BUNDLED.find("openai", "gpt-4o")
                .orElseThrow()
                .cost(TokenUsage.openAi(3_000, 0, 500, 0))
                .add(new BigDecimal("0.000002")); // priced at an older price
        totals.add(cut.costUsd(cutCost).build());
        totals.add(call("settled-2", tokens, oldPrice, false));

        List<FocusCharge> charges = FocusCharges.of(month(key, totals), BUNDLED, BUNDLED);

        assertThat(billed(charges))
                .as("to the last digit")
                .isEqualByComparingTo(atCatalog.add(oldPrice).add(cutCost));
        assertThat(charges.stream().mapToLong(FocusCharge::calls).sum()).isEqualTo(3);
        List<FocusCharge> estimated = charges.stream()
                .filter(c -> "true".equals(c.tags().get("x_Estimated")))
                .toList();
        assertThat(billed(estimated)).isEqualByComparingTo(cutCost);
        assertThat(estimated).allSatisfy(c -> assertThat(c.tags())
                .containsEntry("x_UsageSource", "estimated")
                .containsEntry("feature", "chat")
                .doesNotContainKey("x_CostBasis"));
        assertThat(estimated)
                .filteredOn(c -> c.category() == FocusCharge.Category.USAGE)
                .extracting(c -> c.tokenType() + " " + c.tokens())
                .containsExactlyInAnyOrder("INPUT 3000", "OUTPUT 500");
        assertThat(estimated.stream().mapToLong(FocusCharge::calls).sum()).isEqualTo(1);
        assertThat(charges)
                .filteredOn(c -> !c.tags().containsKey("x_Estimated") && c.category() == FocusCharge.Category.USAGE)
                .extracting(c -> c.tokenType() + " " + c.tokens())
                .containsExactlyInAnyOrder("INPUT 2000", "OUTPUT 400");
    }

    @Test
    void of_onlyWorstCaseCallsOnADay_carryTheirCallCountAndNoUsageRows() {
        CellKey key = new CellKey(LocalDate.of(2026, 11, 4), "openai", "gpt-4o", "k", null, null, null, null);
        CellTotals totals = new CellTotals();
        totals.add(call("killed-1", TokenUsage.ZERO, new BigDecimal("0.5"), true));

        List<FocusCharge> charges = FocusCharges.of(month(key, totals), BUNDLED, BUNDLED);

        assertThat(charges).singleElement().satisfies(c -> {
            assertThat(c.category()).isEqualTo(FocusCharge.Category.ADJUSTMENT);
            assertThat(c.billedCost()).isEqualByComparingTo("0.5");
            assertThat(c.calls()).isEqualTo(1);
            assertThat(c.note()).startsWith("Charged at the reserved worst case: 1 gpt-4o call never settled");
        });
    }
}
