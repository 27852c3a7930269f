package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-provider tables of calls priced with the bundled catalog. Every expected cost is worked out by hand from the
 * public price named in the row (USD per million tokens), so a wrong catalog entry or a wrong rule fails here.
 */
class CallPricerTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    /** One call and what it must cost; {@code expected} null means unpriced. */
    record Row(
            String name,
            String provider,
            String model,
            TokenUsage tokens,
            String served,
            String requested,
            String geo,
            Instant at,
            String expected,
            String source) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Row row(
            String name, String provider, String model, TokenUsage tokens, String served, String expected, String src) {
        return new Row(name, provider, model, tokens, served, null, null, NOW, expected, src);
    }

    // gpt-5-mini: 100,000 prompt tokens of which 20,000 cached; 10,000 completion tokens of which 4,000 reasoning.
    private static final TokenUsage MINI = TokenUsage.openAi(100_000, 20_000, 10_000, 4_000);

    static Stream<Row> openAi() {
        String page = "platform.openai.com/docs/pricing";
        String prio = "openai.com/api-priority-processing";
        return Stream.of(
                // 80,000 x 0.25 + 20,000 x 0.025 + 10,000 x 2.00 = 40,500 / 1M
                row("standard (default)", "openai", "gpt-5-mini", MINI, "default", "0.0405", page + " $0.25/$0.025/$2"),
                // 20,250 / 1M (flex, below) + 2 web search calls x $0.01: the tool fee is not halved
                row(
                        "web search calls on flex",
                        "openai",
                        "gpt-5-mini",
                        MINI.withWebSearches(2),
                        "flex",
                        "0.04025",
                        page + " Built-in tools: web search $10.00 / 1k calls"),
                // 80,000 x 0.125 + 20,000 x 0.0125 + 10,000 x 1.00 = 20,250 / 1M
                row(
                        "flex bills half",
                        "openai",
                        "gpt-5-mini",
                        MINI,
                        "flex",
                        "0.02025",
                        page + " Flex $0.125/$0.0125/$1"),
                // 80,000 x 0.45 + 20,000 x 0.045 + 10,000 x 3.60 = 72,900 / 1M
                row("priority", "openai", "gpt-5-mini", MINI, "priority", "0.0729", prio + " $0.45/$0.045/$3.60"),
                row("fast is priority", "openai", "gpt-5-mini", MINI, "fast", "0.0729", prio + " renamed 2026-07-30"),
                row("batch", "openai", "gpt-5-mini", MINI, "batch", "0.02025", page + " Batch = 50 %"),
                new Row(
                        "asked flex, served default: standard",
                        "openai",
                        "gpt-5-mini",
                        MINI,
                        "default",
                        "flex",
                        null,
                        NOW,
                        "0.0405",
                        page),
                new Row(
                        "no served tier in the answer: the requested one",
                        "openai",
                        "gpt-5-mini",
                        MINI,
                        null,
                        "flex",
                        null,
                        NOW,
                        "0.02025",
                        page),
                row("scale tier has no list price: unpriced", "openai", "gpt-5-mini", MINI, "scale", null, "committed"),
                row("nano has no priority: unpriced", "openai", "gpt-5-nano", MINI, "priority", null, prio),
                // reasoning tokens are part of completion_tokens: 10,000 x 2.00, not 14,000 x 2.00
                row(
                        "reasoning counted once",
                        "openai",
                        "gpt-5-mini",
                        TokenUsage.openAi(0, 0, 10_000, 9_000),
                        null,
                        "0.02",
                        page + " output $2"),
                // gpt-5.4: 2.50 / 15.00; above 272,000 input tokens the whole request at 5.00 / 22.50
                row(
                        "long context: just below",
                        "openai",
                        "gpt-5.4",
                        TokenUsage.openAi(271_999, 0, 1_000, 0),
                        null,
                        "0.6949975",
                        page + " gpt-5.4 $2.50/$15"),
                row(
                        "long context: at the threshold is not long",
                        "openai",
                        "gpt-5.4",
                        TokenUsage.openAi(272_000, 0, 1_000, 0),
                        null,
                        "0.695",
                        page + " gpt-5.4 $2.50/$15"),
                row(
                        "long context: above reprices input and output",
                        "openai",
                        "gpt-5.4",
                        TokenUsage.openAi(272_001, 0, 1_000, 0),
                        null,
                        "1.382505",
                        page + " gpt-5.4 >272K $5/$22.50"),
                row(
                        "long context at batch rates",
                        "openai",
                        "gpt-5.4",
                        TokenUsage.openAi(272_001, 0, 1_000, 0),
                        "batch",
                        "0.6912525",
                        page + " Batch >272K $2.50/$11.25"),
                row(
                        "priority excludes long context: unpriced",
                        "openai",
                        "gpt-5.4",
                        TokenUsage.openAi(272_001, 0, 1_000, 0),
                        "priority",
                        null,
                        prio + " excludes long context"),
                // gpt-5.6-sol: 70,000 x 5 + 10,000 x 0.50 + 20,000 cache-write x 6.25 + 1,000 x 30 = 510,000 / 1M
                row(
                        "cache writes at 1.25x input",
                        "openai",
                        "gpt-5.6-sol",
                        TokenUsage.openAi(100_000, 10_000, 20_000, 1_000, 0),
                        "default",
                        "0.51",
                        "developers.openai.com/api/docs/models/gpt-5.6-sol"),
                // gpt-5.6-terra: 100,000 in + 100,000 out at 2.50 / 15 before the 2026-07-30 cut, at 2 / 12 from it
                new Row(
                        "rates in force before a price cut",
                        "openai",
                        "gpt-5.6-terra",
                        TokenUsage.openAi(100_000, 0, 100_000, 0),
                        null,
                        null,
                        null,
                        Instant.parse("2026-07-29T23:59:59Z"),
                        "1.75",
                        "developers.openai.com changelog 2026-07-30"),
                new Row(
                        "rates in force after a price cut",
                        "openai",
                        "gpt-5.6-terra",
                        TokenUsage.openAi(100_000, 0, 100_000, 0),
                        null,
                        null,
                        null,
                        Instant.parse("2026-07-30T00:00:00Z"),
                        "1.4",
                        "developers.openai.com changelog 2026-07-30"),
                row(
                        "zero usage reported: $0",
                        "openai",
                        "gpt-5.5",
                        TokenUsage.openAi(0, 0, 0, 0),
                        "default",
                        "0",
                        "no tokens"),
                row(
                        "unknown model: unpriced, not $0",
                        "openai",
                        "gpt-9-ultra",
                        MINI,
                        "default",
                        null,
                        "not in the catalog"));
    }

    static Stream<Row> anthropic() {
        String page = "docs.anthropic.com/en/docs/about-claude/pricing";
        TokenUsage small = TokenUsage.anthropic(10_000, 0, 0, 0, 1_000);
        return Stream.of(
                // 250,000 x 6.00 + 1,000 x 22.50 (base would be 0.765)
                row(
                        "issue example: 250k input on sonnet 4.5",
                        "anthropic",
                        "claude-sonnet-4-5-20250929",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        "standard",
                        "1.5225",
                        page + " long context $6/$22.50"),
                row(
                        "long context: just below",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(199_999, 0, 0, 0, 1_000),
                        "standard",
                        "0.614997",
                        page + " $3/$15"),
                row(
                        "long context: at 200,000 is base",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(200_000, 0, 0, 0, 1_000),
                        "standard",
                        "0.615",
                        page + " $3/$15"),
                // 150,001 x 6 + 40,000 x 0.60 + 10,000 x 7.50 + 1,000 x 22.50: cache tokens count toward the threshold
                row(
                        "long context: above through cache tokens",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(150_001, 40_000, 10_000, 0, 1_000),
                        "standard",
                        "1.021506",
                        page + " long context $6/$0.60/$7.50/$22.50"),
                // 1,000 x 3 + 2,000 x 0.30 + 3,000 x 3.75 + 4,000 x 6 + 500 x 15 = 46,350 / 1M
                row(
                        "cache rates by TTL",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(1_000, 2_000, 3_000, 4_000, 500),
                        "standard",
                        "0.04635",
                        page + " 5m write $3.75, 1h write $6, read $0.30"),
                // 10,000 x 1.50 + 1,000 x 7.50
                row("batch", "anthropic", "claude-sonnet-4-5", small, "batch", "0.0225", page + " Batch 50 %"),
                // 250,000 x 3.00 + 1,000 x 11.25
                row(
                        "batch above the threshold",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        "batch",
                        "0.76125",
                        page + " Batch x long context"),
                row(
                        "priority is a commitment: unpriced",
                        "anthropic",
                        "claude-sonnet-4-5",
                        small,
                        "priority",
                        null,
                        "no public per-token rate"),
                // 250,000 x 5 + 1,000 x 25: Opus 4.7 has no long-context premium
                row(
                        "model without a premium",
                        "anthropic",
                        "claude-opus-4-7",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        "standard",
                        "1.275",
                        page + " Opus 4.7 $5/$25 flat"),
                new Row(
                        "opus 4.6 premium before 2026-03-13",
                        "anthropic",
                        "claude-opus-4-6",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        "standard",
                        null,
                        null,
                        Instant.parse("2026-03-12T23:00:00Z"),
                        "2.5375",
                        page + " $10/$37.50"),
                new Row(
                        "opus 4.6 flat from 2026-03-13",
                        "anthropic",
                        "claude-opus-4-6",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        "standard",
                        null,
                        null,
                        Instant.parse("2026-03-13T00:00:00Z"),
                        "1.275",
                        "claude.com/blog/1m-context-ga"),
                // web search "Web search tool": $10 per 1,000 searches plus tokens, at every tier and region
                // 10,000 x 1.50 + 1,000 x 7.50 (batch) + 4 x $0.01: the batch discount is on tokens only
                row(
                        "web searches on batch: tokens halved, searches not",
                        "anthropic",
                        "claude-sonnet-4-5",
                        small.withWebSearches(4),
                        "batch",
                        "0.0625",
                        page + " web search $10/1k, batch $1.50/$7.50"),
                // 250,000 x 6.00 + 1,000 x 22.50 + 2 x $0.01: the long-context rule reprices tokens, not searches
                row(
                        "web searches on long context",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000).withWebSearches(2),
                        "standard",
                        "1.5425",
                        page + " web search $10/1k, long context $6/$22.50"),
                // (10,000 x 5 + 1,000 x 25) x 1.1 + 1 x $0.01: the US-only multiplier is on token pricing
                new Row(
                        "web search on US-only inference",
                        "anthropic",
                        "claude-opus-4-7",
                        small.withWebSearches(1),
                        "standard",
                        null,
                        "us",
                        NOW,
                        "0.0925",
                        page + " web search $10/1k, data residency"),
                // (10,000 x 5 + 1,000 x 25) x 1.1
                new Row(
                        "US-only inference x1.1",
                        "anthropic",
                        "claude-opus-4-7",
                        small,
                        "standard",
                        null,
                        "us",
                        NOW,
                        "0.0825",
                        page + " data residency"),
                new Row(
                        "US-only on a model before 4.6: no multiplier",
                        "anthropic",
                        "claude-sonnet-4-5",
                        small,
                        "standard",
                        null,
                        "us",
                        NOW,
                        "0.045",
                        page),
                new Row(
                        "sonnet 5 introductory price",
                        "anthropic",
                        "claude-sonnet-5",
                        TokenUsage.anthropic(1_000_000, 0, 0, 0, 1_000_000),
                        null,
                        null,
                        null,
                        Instant.parse("2026-08-31T23:59:59Z"),
                        "12",
                        "anthropic.com/news/claude-sonnet-5 $2/$10"),
                new Row(
                        "sonnet 5 standard price",
                        "anthropic",
                        "claude-sonnet-5",
                        TokenUsage.anthropic(1_000_000, 0, 0, 0, 1_000_000),
                        null,
                        null,
                        null,
                        Instant.parse("2026-09-01T00:00:00Z"),
                        "18",
                        "anthropic.com/news/claude-sonnet-5 $3/$15"),
                // thinking is part of output_tokens: 2,000 x 15
                row(
                        "thinking counted once",
                        "anthropic",
                        "claude-sonnet-4-5",
                        TokenUsage.anthropic(0, 0, 0, 0, 2_000),
                        "standard",
                        "0.03",
                        page + " output $15"),
                row(
                        "zero usage reported: $0",
                        "anthropic",
                        "claude-haiku-4-5",
                        TokenUsage.ZERO,
                        "standard",
                        "0",
                        "no tokens"));
    }

    static Stream<Row> bedrock() {
        String page = "aws.amazon.com/bedrock/pricing";
        TokenUsage small = TokenUsage.anthropic(10_000, 0, 0, 0, 1_000);
        return Stream.of(
                row(
                        "web searches without a per-search fee in the catalog: unpriced, not tokens alone",
                        "bedrock",
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        small.withWebSearches(3),
                        null,
                        null,
                        page + " lists no web-search fee"),
                // 10,000 x 3.30 + 1,000 x 16.50: geographic profiles carry 10 % over global
                row(
                        "us. profile",
                        "bedrock",
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        small,
                        null,
                        "0.0495",
                        page),
                row(
                        "global. profile",
                        "bedrock",
                        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        small,
                        null,
                        "0.045",
                        page + " global $3/$15"),
                // 10,000 x 5.50 + 1,000 x 27.50
                row("eu. profile", "bedrock", "eu.anthropic.claude-opus-4-6-v1", small, null, "0.0825", page),
                row("apac. profile", "bedrock", "apac.anthropic.claude-opus-4-6-v1:0", small, null, "0.0825", page),
                row("us-gov. profile", "bedrock", "us-gov.anthropic.claude-opus-4-6-v1:0", small, null, "0.0825", page),
                row("global opus 4.6", "bedrock", "global.anthropic.claude-opus-4-6-v1", small, null, "0.075", page),
                // 250,000 x 6.60 + 1,000 x 24.75
                row(
                        "regional long context",
                        "bedrock",
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        TokenUsage.anthropic(250_000, 0, 0, 0, 1_000),
                        null,
                        "1.67475",
                        page + " >200K $6.60/$24.75"),
                // 10,000 x 1.65 + 1,000 x 8.25
                row(
                        "batch",
                        "bedrock",
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        small,
                        "batch",
                        "0.02475",
                        page + " batch 50 %"),
                row(
                        "priority without published rates: unpriced",
                        "bedrock",
                        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                        small,
                        "priority",
                        null,
                        page),
                row(
                        "default is standard",
                        "bedrock",
                        "amazon.nova-pro-v1:0",
                        TokenUsage.anthropic(1_000_000, 0, 0, 0, 1_000_000),
                        "default",
                        "4",
                        page + " Nova Pro $0.80/$3.20"),
                row(
                        "application inference profile ARN without an alias: unpriced, not a default",
                        "bedrock",
                        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
                        small,
                        null,
                        null,
                        "alias it in SPENDGATE_PRICING_OVERRIDES"),
                row("zero usage reported: $0", "bedrock", "amazon.nova-lite-v1:0", TokenUsage.ZERO, null, "0", "none"));
    }

    static Stream<Row> gemini() {
        String page = "ai.google.dev/gemini-api/docs/pricing";
        return Stream.of(
                // 200,000 x 1.25 + 1,000 x 10
                row(
                        "2.5 pro at 200,000 prompt tokens",
                        "gemini",
                        "gemini-2.5-pro",
                        TokenUsage.gemini(200_000, 0, 1_000, 0),
                        null,
                        "0.26",
                        page + " <=200K $1.25/$10"),
                // 200,001 x 2.50 + 1,000 x 15
                row(
                        "2.5 pro above 200,000",
                        "gemini",
                        "gemini-2.5-pro",
                        TokenUsage.gemini(200_001, 0, 1_000, 0),
                        null,
                        "0.5150025",
                        page + " >200K $2.50/$15"),
                // thoughts are reported beside candidates and billed as output: 10,000 x 0.30 + (1,000 + 3,000) x 2.50
                row(
                        "thinking tokens reported separately",
                        "gemini",
                        "gemini-2.5-flash",
                        TokenUsage.gemini(10_000, 0, 1_000, 3_000),
                        null,
                        "0.013",
                        page + " 2.5 Flash $0.30/$2.50"),
                // 10,000 x 1.00 + 1,000 x 6.00
                row(
                        "batch",
                        "gemini",
                        "gemini-3-pro-preview",
                        TokenUsage.gemini(10_000, 0, 1_000, 0),
                        "batch",
                        "0.016",
                        page + " Batch 50 % of $2/$12"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("openAi")
    void price_openAiCall_matchesPublicPrice(Row row) {
        assertPriced(row);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("anthropic")
    void price_anthropicCall_matchesPublicPrice(Row row) {
        assertPriced(row);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bedrock")
    void price_bedrockCall_matchesPublicPrice(Row row) {
        assertPriced(row);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gemini")
    void price_geminiCall_matchesPublicPrice(Row row) {
        assertPriced(row);
    }

    private static void assertPriced(Row row) {
        CallPricer.Priced priced = PRICER.price(new CallPricer.Call(
                row.provider(),
                row.model(),
                row.model(),
                row.tokens(),
                true,
                row.served(),
                row.requested(),
                row.geo(),
                row.at()));
        if (row.expected() == null) {
            assertThat(priced.priced())
                    .as(row.name() + " (" + row.source() + ")")
                    .isFalse();
            assertThat(priced.cost()).isNull();
            assertThat(priced.reason()).isNotBlank();
        } else {
            assertThat(priced.cost())
                    .as(row.name() + " (" + row.source() + ")")
                    .isNotNull()
                    .isEqualByComparingTo(new BigDecimal(row.expected()));
        }
    }
}
