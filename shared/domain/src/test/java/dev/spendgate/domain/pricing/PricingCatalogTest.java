package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricingCatalogTest {
    private final PricingCatalog catalog = PricingCatalog.bundled();

    @Test
    void bundled_everyEntry_hasSourceEffectiveDateAndNonNegativePrices() {
        assertThat(catalog.version()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(catalog.models()).hasSizeGreaterThan(20);
        Pattern url = Pattern.compile("https://\\S+");
        assertThat(catalog.entries()).hasSizeGreaterThan(catalog.models().size());
        for (ModelPrice p : catalog.entries()) {
            assertThat(p.sourceUrl()).as(p.model()).matches(url);
            assertThat(p.effectiveDate()).as(p.model()).isNotNull();
            assertThat(p.input().signum()).as(p.model()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void bundled_coversTheFamiliesUsersCall() {
        for (String model : new String[] {
            "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "gpt-5-mini", "o3", "o4-mini", "text-embedding-3-small"
        }) {
            assertThat(catalog.find("openai", model)).as(model).isPresent();
        }
        for (String model :
                new String[] {"claude-3-5-haiku", "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"}) {
            assertThat(catalog.find("anthropic", model)).as(model).isPresent();
        }
        assertThat(catalog.find("bedrock", "anthropic.claude-sonnet-4-20250514-v1:0"))
                .isPresent();
    }

    @Test
    void find_datedSnapshotsAndInferenceProfiles_priceAsTheBaseModel() {
        assertThat(catalog.find("openai", "gpt-4o-2024-08-06").orElseThrow().model())
                .isEqualTo("gpt-4o");
        assertThat(catalog.find("openai", "gpt-4.1-mini-2025-04-14")
                        .orElseThrow()
                        .model())
                .isEqualTo("gpt-4.1-mini");
        assertThat(catalog.find("anthropic", "claude-sonnet-4-5-20250929")
                        .orElseThrow()
                        .model())
                .isEqualTo("claude-sonnet-4-5");
        assertThat(catalog.find("anthropic", "claude-3-5-haiku-latest")
                        .orElseThrow()
                        .model())
                .isEqualTo("claude-3-5-haiku");
        assertThat(catalog.find("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0")
                        .orElseThrow()
                        .model())
                .isEqualTo("anthropic.claude-sonnet-4-20250514-v1:0");
    }

    @Test
    void find_bedrockClaude45_globalProfileTenPercentBelowGeoAndInRegion() {
        ModelPrice global = catalog.find("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .orElseThrow();
        ModelPrice us = catalog.find("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .orElseThrow();
        ModelPrice inRegion = catalog.find("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0")
                .orElseThrow();

        assertThat(us).isEqualTo(inRegion);
        assertThat(global.input()).isEqualByComparingTo("3.00");
        assertThat(global.output()).isEqualByComparingTo("15.00");
        assertThat(us.input()).isEqualByComparingTo(global.input().multiply(new BigDecimal("1.1")));
        assertThat(us.output()).isEqualByComparingTo(global.output().multiply(new BigDecimal("1.1")));
        assertThat(us.cachedInput()).isEqualByComparingTo(global.cachedInput().multiply(new BigDecimal("1.1")));
        assertThat(catalog.find("bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0")
                        .orElseThrow()
                        .input())
                .isEqualByComparingTo("1.10");
        assertThat(catalog.find("bedrock", "amazon.nova-lite-v1:0")).isPresent();
    }

    @Test
    void find_bedrockProfileAndModelArns_pricedAsTheIdTheyName() {
        String prefix = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/";

        assertThat(catalog.find("bedrock", prefix + "global.anthropic.claude-sonnet-4-5-20250929-v1:0"))
                .isEqualTo(catalog.find("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assertThat(catalog.find("bedrock", prefix + "eu.anthropic.claude-haiku-4-5-20251001-v1:0"))
                .isEqualTo(catalog.find("bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"));
        assertThat(catalog.find("bedrock", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"))
                .isEqualTo(catalog.find("bedrock", "amazon.nova-lite-v1:0"))
                .isPresent();
        assertThat(catalog.find(
                        "bedrock", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"))
                .isEmpty();
    }

    @Test
    void withOverrides_applicationInferenceProfileAlias_pricesAsItsFoundationModel(@TempDir Path dir)
            throws IOException {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
        Path file = dir.resolve("prices.json");
        Files.writeString(
                file,
                "{\"aliases\": [{\"provider\": \"bedrock\", \"alias\": \"" + arn + "\","
                        + " \"model\": \"anthropic.claude-sonnet-4-20250514-v1:0\"}]}");

        PricingCatalog custom = catalog.withOverrides(file);

        assertThat(catalog.find("bedrock", arn)).isEmpty();
        assertThat(custom.find("bedrock", arn))
                .isEqualTo(custom.find("bedrock", "anthropic.claude-sonnet-4-20250514-v1:0"));
        assertThat(custom.find("bedrock", arn).orElseThrow().input()).isEqualByComparingTo("3.00");
    }

    @Test
    void withOverrides_editedCopyOfTheBundledCatalog_takenWithItsHeader(@TempDir Path dir) throws IOException {
        // a finance team copies catalog.json and edits a rate: its header (catalog_version, currency, unit) is the
        // catalog's own, not a misspelt section
        String bundled;
        try (var in = PricingCatalog.class.getResourceAsStream("catalog.json")) {
            bundled = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Path copy = Files.writeString(dir.resolve("copy.json"), bundled);
        Path euros = Files.writeString(dir.resolve("eur.json"), bundled.replace("\"USD\"", "\"EUR\""));

        PricingCatalog custom = PricingCatalog.bundled().withOverrides(copy);

        assertThat(custom.find("openai", "gpt-4o").orElseThrow().input())
                .isEqualByComparingTo(PricingCatalog.bundled()
                        .find("openai", "gpt-4o")
                        .orElseThrow()
                        .input());
        assertThatThrownBy(() -> PricingCatalog.bundled().withOverrides(euros))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("currency 'EUR'");
    }

    @Test
    void withOverrides_unknownKeyInAnEntry_refusedNamingTheEntryAndKey(@TempDir Path dir) throws IOException {
        Path discount = Files.writeString(
                dir.resolve("discount.json"),
                "{\"discounts\": [{\"provider\": \"openai\", \"modle\": \"gpt-4o-mini\", \"percent\": 10}]}");
        Path alias = Files.writeString(
                dir.resolve("alias.json"),
                "{\"aliases\": [{\"provider\": \"openai\", \"alias\": \"x\", \"model\": \"gpt-4o\", \"note\": 1}]}");
        Path model = Files.writeString(
                dir.resolve("model.json"),
                "{\"models\": [{\"provider\": \"openai\", \"model\": \"gpt-4o\", \"input\": 2, \"output\": 8,"
                        + " \"efective_date\": \"2026-12-01\"}]}");

        assertThatThrownBy(() -> catalog.withOverrides(discount))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("discounts[0]")
                .hasMessageContaining("'modle'")
                .hasMessageContaining("discount.json");
        assertThatThrownBy(() -> catalog.withOverrides(alias))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aliases[0] has an unknown key 'note'");
        assertThatThrownBy(() -> catalog.withOverrides(model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("models[0] has an unknown key 'efective_date'");
    }

    @Test
    void withOverrides_aliasOfUnknownModel_refusedNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prices.json");
        Files.writeString(
                file, "{\"aliases\": [{\"provider\": \"bedrock\", \"alias\": \"x\", \"model\": \"no-such-model\"}]}");

        assertThatThrownBy(() -> catalog.withOverrides(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-model");
    }

    @Test
    void find_unknownModelOrProvider_isEmptyNotZero() {
        assertThat(catalog.find("openai", "gpt-9-ultra")).isEmpty();
        assertThat(catalog.find("mistral", "mistral-large")).isEmpty();
        assertThat(catalog.find("openai", "")).isEmpty();
    }

    @Test
    void cost_openAiWithCachedAndReasoningTokens_followsOpenAiSemanticsExactly() {
        ModelPrice gpt4o = catalog.find("openai", "gpt-4o").orElseThrow();
        // 1,000 prompt tokens of which 400 cached; 300 completion tokens of which 100 reasoning.
        TokenUsage usage = TokenUsage.openAi(1000, 400, 300, 100);
        BigDecimal expected = new BigDecimal("2.50")
                .multiply(BigDecimal.valueOf(600))
                .add(new BigDecimal("1.25").multiply(BigDecimal.valueOf(400)))
                .add(new BigDecimal("10.00").multiply(BigDecimal.valueOf(300)))
                .movePointLeft(6);
        assertThat(gpt4o.cost(usage)).isEqualByComparingTo(expected);
        assertThat(gpt4o.cost(usage).toPlainString()).isEqualTo("0.005");
    }

    @Test
    void cost_anthropicCacheReadAndBothWriteDurations_areDisjointAndPricedSeparately() {
        ModelPrice sonnet = catalog.find("anthropic", "claude-sonnet-4-5").orElseThrow();
        TokenUsage usage = TokenUsage.anthropic(100, 2000, 1000, 500, 250);
        assertThat(usage.inputTokens()).isEqualTo(3600);
        // 100 x 3 + 2000 x 0.30 + 1000 x 3.75 + 500 x 6 + 250 x 15, per million
        assertThat(sonnet.cost(usage)).isEqualByComparingTo("0.0114");
    }

    @Test
    void cost_singleToken_isNotRoundedAway() {
        ModelPrice nano = catalog.find("openai", "gpt-5-nano").orElseThrow();
        assertThat(nano.cost(TokenUsage.openAi(1, 0, 0, 0)).toPlainString()).isEqualTo("0.00000005");
    }

    @Test
    void withOverrides_privateModelAndDiscount_replaceListPrices(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"models": [{"provider": "openai", "model": "ft:gpt-4o-mini:acme", "input": "0.30",
                             "output": "1.20", "source_url": "https://example.com/contract", "effective_date": "2026-01-01"}],
                 "discounts": [{"provider": "anthropic", "percent": "15"}]}
                """);
        PricingCatalog custom = catalog.withOverrides(file);
        assertThat(custom.version()).startsWith(catalog.version() + "+overrides-");
        assertThat(custom.find("openai", "ft:gpt-4o-mini:acme").orElseThrow().input())
                .isEqualByComparingTo("0.30");
        assertThat(custom.find("anthropic", "claude-sonnet-4-5").orElseThrow().input())
                .isEqualByComparingTo("2.55");
        assertThat(custom.find("openai", "gpt-4o").orElseThrow().input()).isEqualByComparingTo("2.50");
    }

    @Test
    void withOverrides_badJson_namesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{not json");
        assertThatThrownBy(() -> catalog.withOverrides(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.json");
    }

    @Test
    void bundled_everyTierAndLongContextRate_isConsistentWithTheStandardRate() {
        for (ModelPrice p : catalog.entries()) {
            String name = p.provider() + "/" + p.model() + "@" + p.effectiveDate();
            p.serviceTierRates().forEach((tier, rates) -> {
                int direction = rates.input().compareTo(p.input());
                if (tier.equals("flex") || tier.equals("batch")) {
                    assertThat(direction).as(name + " " + tier + " costs less").isLessThan(0);
                } else if (tier.equals("priority")) {
                    assertThat(direction).as(name + " priority costs more").isGreaterThan(0);
                }
            });
            if (p.longContext() != null) {
                assertThat(p.longContext().rates().input()).as(name).isGreaterThan(p.input());
                assertThat(p.longContext().thresholdInputTokens()).as(name).isGreaterThanOrEqualTo(128_000);
            }
            if (p.deprecatedDate() != null && p.retiredDate() != null) {
                assertThat(p.retiredDate()).as(name).isAfterOrEqualTo(p.deprecatedDate());
            }
        }
    }

    @Test
    void bundled_coversTheModelsTeamsCallToday() {
        for (String model : new String[] {
            "gpt-5.2",
            "gpt-5.2-pro",
            "gpt-5.3-codex",
            "gpt-5.4",
            "gpt-5.4-mini",
            "gpt-5.4-nano",
            "gpt-5.4-pro",
            "gpt-5.5",
            "gpt-5.5-pro",
            "gpt-5.6-sol",
            "gpt-5.6-terra",
            "gpt-5.6-luna",
            "gpt-5-pro",
            "o3-pro",
            "o1-pro",
            "o3-deep-research",
            "o4-mini-deep-research"
        }) {
            assertThat(catalog.find("openai", model)).as(model).isPresent();
        }
        for (String model : new String[] {
            "claude-opus-4-6",
            "claude-opus-4-7",
            "claude-opus-4-8",
            "claude-opus-5",
            "claude-sonnet-4-6",
            "claude-sonnet-5",
            "claude-fable-5"
        }) {
            assertThat(catalog.find("anthropic", model)).as(model).isPresent();
        }
        for (String model : new String[] {
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-3-pro-preview",
            "gemini-3-flash-preview",
            "gemini-3.1-pro-preview"
        }) {
            assertThat(catalog.find("gemini", model)).as(model).isPresent();
        }
        for (String model : new String[] {
            "eu.anthropic.claude-sonnet-4-6-v1:0",
            "apac.anthropic.claude-opus-4-6-v1",
            "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
            "global.anthropic.claude-opus-4-7-v1",
            "us.amazon.nova-premier-v1:0",
            "global.amazon.nova-2-lite-v1:0"
        }) {
            assertThat(catalog.find("bedrock", model)).as(model).isPresent();
        }
    }

    @Test
    void find_atTime_usesTheRateCardInForceThatDay() {
        java.time.Instant before = java.time.Instant.parse("2025-06-09T23:59:59Z");
        java.time.Instant after = java.time.Instant.parse("2025-06-10T00:00:00Z");
        assertThat(catalog.find("openai", "o3", before).orElseThrow().input()).isEqualByComparingTo("10");
        assertThat(catalog.find("openai", "o3", after).orElseThrow().input()).isEqualByComparingTo("2");
        assertThat(catalog.find("openai", "o3").orElseThrow().input()).isEqualByComparingTo("2");
        // A call older than every entry is priced with the earliest one.
        assertThat(catalog.find("openai", "o3", java.time.Instant.parse("2020-01-01T00:00:00Z"))
                        .orElseThrow()
                        .input())
                .isEqualByComparingTo("10");
        assertThat(catalog.models().stream().filter(p -> p.model().equals("o3")))
                .hasSize(1);
    }

    @Test
    void bundled_retiredModels_stayPricedForOldRecordsAndSayWhen() {
        ModelPrice retired = catalog.find("anthropic", "claude-3-5-sonnet").orElseThrow();
        assertThat(retired.retiredDate()).isEqualTo(java.time.LocalDate.parse("2025-10-22"));
        assertThat(retired.retiredOn(java.time.LocalDate.parse("2026-01-01"))).isTrue();
        assertThat(retired.retiredOn(java.time.LocalDate.parse("2025-10-21"))).isFalse();
    }

    @Test
    void withOverrides_contractedPriorityRates_priceAnthropicPriorityCalls(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("overrides.json");
        Files.writeString(file, """
                {"models": [{"provider": "anthropic", "model": "claude-sonnet-4-5", "input": "3", "output": "15",
                  "source_url": "https://example.com/contract", "effective_date": "2025-09-29",
                  "service_tiers": {"priority": {"input": "4.5", "output": "22.5"}}}]}
                """);
        ModelPrice price = catalog.withOverrides(file)
                .find("anthropic", "claude-sonnet-4-5")
                .orElseThrow();
        // 10,000 x 4.50 + 1,000 x 22.50 = 67,500 / 1M
        assertThat(price.quote(TokenUsage.anthropic(10_000, 0, 0, 0, 1_000), "priority", null)
                        .orElseThrow()
                        .cost())
                .isEqualByComparingTo("0.0675");
        assertThat(catalog.find("anthropic", "claude-sonnet-4-5")
                        .orElseThrow()
                        .quote(TokenUsage.anthropic(10_000, 0, 0, 0, 1_000), "priority", null))
                .isEmpty();
    }

    @Test
    void read_longContextWithoutThreshold_namesTheField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("catalog.json");
        Files.writeString(file, """
                {"catalog_version": "2027-01-01", "models": [{"provider": "openai", "model": "x", "input": "1",
                  "output": "2", "long_context": {"input": "2", "output": "4"}}]}
                """);
        assertThatThrownBy(() -> PricingCatalog.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("long_context.threshold_input_tokens");
    }

    @Test
    void publishedOn_bundledCatalog_isItsVersionDate() {
        assertThat(catalog.publishedOn()).contains(java.time.LocalDate.parse(catalog.version()));
    }
}
