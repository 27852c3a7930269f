package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Pricing": a call is recorded "at the rates in force on the call's day"; the overrides file has "the same
 * shape as the bundled catalog", whose entries carry an {@code effective_date}. A finance team that enters next
 * quarter's negotiated rate ahead of time must not see today's calls priced at it.
 */
class PricingOverrideEffectiveDateReviewTest {

    @TempDir
    Path dir;

    @Test
    void overrideEffectiveNextMonth_leavesTodaysCallsAtListPrice() throws Exception {
        Path overrides = dir.resolve("overrides.json");
        Files.writeString(overrides, """
                {"models": [{"provider": "openai", "model": "gpt-4o", "input": "1.00", "output": "4.00",
                             "cached_input": "0.50", "source_url": "https://example.com/contract",
                             "effective_date": "2027-01-01"}]}
                """);
        CallPricer pricer = CallPricer.create(PricingCatalog.bundled().withOverrides(overrides));

        // 1M input tokens and 1M output tokens on 2026-12-05, before the contract rate starts on 2027-01-01:
        // OpenAI list price for gpt-4o is $2.50 input + $10.00 output per million = $12.50.
        CallPricer.Priced december = pricer.price(new CallPricer.Call(
                "openai",
                "gpt-4o-2024-08-06",
                "gpt-4o",
                TokenUsage.openAi(1_000_000, 0, 1_000_000, 0),
                true,
                "default",
                null,
                null,
                Instant.parse("2026-12-05T12:00:00Z")));
        CallPricer.Priced january = pricer.price(new CallPricer.Call(
                "openai",
                "gpt-4o-2024-08-06",
                "gpt-4o",
                TokenUsage.openAi(1_000_000, 0, 1_000_000, 0),
                true,
                "default",
                null,
                null,
                Instant.parse("2027-01-02T12:00:00Z")));

        assertThat(january.cost())
                .as("on and after its effective date the override applies")
                .isEqualByComparingTo("5.00");
        assertThat(december.cost())
                .as("a call made before the override's effective_date is billed at the list price then in force")
                .isEqualByComparingTo(new BigDecimal("12.50"));
    }

    private static CallPricer.Call sonnet(String tier, String geo) {
        return new CallPricer.Call(
                "anthropic",
                "claude-sonnet-4-6",
                "claude-sonnet-4-6",
                TokenUsage.anthropic(1_000_000, 0, 0, 0, 1_000_000),
                true,
                tier,
                null,
                geo,
                Instant.parse("2026-12-05T12:00:00Z"));
    }

    @Test
    void overrideAddingPriorityRates_keepsTheModelsBatchRatesAndRegionMultiplier() throws Exception {
        // README "Pricing": Anthropic priority has no public rate, "Add your contracted rates under service_tiers in
        // SPENDGATE_PRICING_OVERRIDES". Doing that (input and output are required fields) must not unprice the
        // model's batch calls nor drop the 1.1x US data-residency multiplier the bundled entry carries.
        Path overrides = dir.resolve("overrides.json");
        Files.writeString(overrides, """
                {"models": [{"provider": "anthropic", "model": "claude-sonnet-4-6", "input": "3.00", "output": "15.00",
                             "source_url": "https://example.com/contract", "effective_date": "2026-03-13",
                             "service_tiers": {"priority": {"input": "3.60", "output": "18.00"}}}]}
                """);
        CallPricer pricer = CallPricer.create(PricingCatalog.bundled().withOverrides(overrides));

        assertThat(pricer.price(sonnet("priority", null)).cost())
                .as("the contracted priority rate applies")
                .isEqualByComparingTo("21.60");
        assertThat(pricer.price(sonnet("standard", "us")).cost())
                .as("inference_geo us: 1.1 x ($3 + $15)")
                .isEqualByComparingTo("19.80");
        assertThat(pricer.price(sonnet("batch", null)).cost())
                .as("batch: Anthropic's list batch rates, $1.50 + $7.50 per million")
                .isEqualByComparingTo("9.00");
    }

    @Test
    void discountForAModelTheCatalogLacks_isRefusedNamingIt() throws Exception {
        // An alias naming an unknown model is refused ("which is not in the catalog or the overrides"); a discount
        // with a typo is accepted and applies to nothing, so every report stays at list price with no word of it.
        Path overrides = dir.resolve("overrides.json");
        Files.writeString(overrides, """
                {"discounts": [{"provider": "openai", "model": "gpt-4o-mnii", "percent": "20"}]}
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> PricingCatalog.bundled().withOverrides(overrides))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpt-4o-mnii");
    }
}
