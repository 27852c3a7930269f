package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Session 21 review (waste precision): windows of usage records priced by the gateway's own {@link CallPricer}, run
 * through the real analyzer pass, asserting on the findings a finance lead reads.
 */
class WastePrecisionReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final CallPricer PRICER = CallPricer.create(CATALOG);
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    /** 30 days: the monthly figure equals the window figure. */
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    private static final String SYSTEM_HASH = "5f1c0e2a9b7d4c3e8f6a1b2c3d4e5f60";

    /**
     * Anthropic documents a 4,096-token minimum cacheable prompt for Claude Haiku 4.5 (the project's own
     * prompt-cache-minimums.csv says so): a 2,500-token system prompt marked with cache_control is neither written
     * nor read, so the context-bloat advice ("mark the system prompt with cache_control") saves nothing.
     */
    @Test
    void finish_haikuPromptBelowItsCacheMinimum_isNoContextBloatFinding() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(2_600, 0, 0, 0, 80, 0);
        for (int i = 0; i < 40; i++) {
            records.add(record(
                            "anthropic",
                            "claude-haiku-4-5",
                            "messages",
                            "helpdesk",
                            "s" + i,
                            "key_1",
                            i * 60L,
                            tokens,
                            null)
                    .fingerprints(new UsageRecord.Fingerprints(SYSTEM_HASH, null, hash(i), null))
                    .build());
        }

        WasteReport report = run(records);

        assertThat(report.findings())
                .as("a 2,600-token prompt on claude-haiku-4-5 (cache minimum 4,096) cannot be cached")
                .filteredOn(f -> f.category() == WasteCategory.CONTEXT_BLOAT)
                .isEmpty();
    }

    /**
     * Calls billed at OpenAI's flex tier (half the standard rates) sending a 4,000-token prefix uncached. Caching would
     * save the difference between the flex input and flex cached-input rates; the finding prices the saving at the
     * standard rates and claims more than the calls cost in all.
     */
    @Test
    void finish_flexCallsWithAnUncachedPrefix_saveAtTheFlexRatesAndNeverMoreThanTheyCost() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(4_000, 0, 0, 0, 50, 0);
        BigDecimal spend = BigDecimal.ZERO;
        for (int i = 0; i < 20; i++) {
            UsageRecord r = record(
                            "openai", "gpt-5", "responses", "doc-tagger", "s" + i, "key_1", i * 60L, tokens, "flex")
                    .fingerprints(new UsageRecord.Fingerprints(SYSTEM_HASH, null, hash(i), null))
                    .build();
            spend = spend.add(r.costUsd());
            records.add(r);
        }

        WasteReport report = run(records);

        // (N - W) x P x (flex input - flex cached input) = 19 x 4000 x (0.625 - 0.0625) / 1M; OpenAI writes cost input
        BigDecimal expected = new BigDecimal("0.04275");
        BigDecimal finalSpend = spend;
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CONTEXT_BLOAT)
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.windowSavingsUsd())
                            .as("savings of 20 calls that cost $%s in all", finalSpend.toPlainString())
                            .isLessThanOrEqualTo(finalSpend);
                    assertThat(f.windowSavingsUsd()).isEqualByComparingTo(expected);
                });
    }

    /**
     * claude-opus-4-1 calls that read a 1,800-token cached prefix (Opus 4.1 caches from 1,024 tokens). The advised
     * claude-haiku-4-5 caches nothing under 4,096 tokens, so on it those 1,800 tokens are plain input: the saving is
     * the recorded cost minus the same tokens at Haiku's input rate, as the policy replay already prices a move to a
     * model with a higher cache minimum (PromptCacheMinimums.onModel).
     */
    @Test
    void finish_opusCallsWithACachedPrefixBelowHaikusMinimum_saveWhatHaikuWouldBill() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(1_900, 1_800, 0, 0, 20, 0);
        for (int i = 0; i < 60; i++) {
            records.add(record(
                            "anthropic",
                            "claude-opus-4-1",
                            "messages",
                            "invoice-extract",
                            "s" + i,
                            "key_1",
                            i * 120L,
                            tokens,
                            null)
                    .fingerprints(new UsageRecord.Fingerprints(SYSTEM_HASH, null, hash(i), null))
                    .build());
        }
        BigDecimal opus = cost("anthropic", "claude-opus-4-1", tokens, null);
        // on Haiku 4.5 the 1,800 tokens are not cached: 1,900 input + 20 output at Haiku's standard rates
        BigDecimal haikuUncached = cost("anthropic", "claude-haiku-4-5", new TokenUsage(1_900, 0, 0, 0, 20, 0), null);
        BigDecimal expected = opus.subtract(haikuUncached).multiply(BigDecimal.valueOf(60));

        WasteReport report = run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.evidence().details()).containsEntry("cheaper_model", "claude-haiku-4-5");
                    assertThat(f.windowSavingsUsd()).isEqualByComparingTo(expected);
                });
    }

    /**
     * One key, no session, used by two features (X-Cost-Feature per call). Feature alpha repeats a cheap gpt-4o-mini
     * call 3 times, then feature beta repeats a gpt-4o call 20 times: one key-scoped retry finding holds both, named
     * after alpha, so alpha's AI Efficiency Score counts beta's waste (capped at alpha's spend: 0) and beta, whose
     * duplicates are most of the waste, scores 100. README "AI Efficiency Score": W is the savings of the findings
     * of that feature.
     */
    @Test
    void finish_keyScopedRepeatsOfTwoFeatures_scoreEachFeatureOnItsOwnRepeats() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage small = new TokenUsage(300, 0, 0, 0, 40, 0);
        TokenUsage large = new TokenUsage(1_500, 0, 0, 0, 400, 0);
        for (int i = 0; i < 4; i++) {
            records.add(record("openai", "gpt-4o-mini", "chat.completions", "alpha", null, "key_1", i * 5L, small, null)
                    .requestId("req-alpha-" + i)
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(1), null))
                    .build());
        }
        for (int i = 0; i < 21; i++) {
            records.add(record("openai", "gpt-4o", "chat.completions", "beta", null, "key_1", 600 + i * 5L, large, null)
                    .requestId("req-beta-" + i)
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(2), null))
                    .build());
        }
        BigDecimal alphaWaste = cost("openai", "gpt-4o-mini", small, null).multiply(BigDecimal.valueOf(3));
        BigDecimal betaWaste = cost("openai", "gpt-4o", large, null).multiply(BigDecimal.valueOf(20));

        WasteReport report = run(records);

        assertThat(report.features())
                .filteredOn(s -> "beta".equals(s.feature()))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.wasteUsd()).as("beta's 20 duplicate calls").isEqualByComparingTo(betaWaste);
                    assertThat(s.score()).as("beta wasted 20 of its 21 calls").isLessThan(10);
                });
        assertThat(report.features())
                .filteredOn(s -> "alpha".equals(s.feature()))
                .singleElement()
                .satisfies(s ->
                        assertThat(s.wasteUsd()).as("alpha's 3 duplicate calls").isEqualByComparingTo(alphaWaste));
    }

    /**
     * A nightly run of 25 non-streamed calls, 5 of which never settled (the gateway died: cost_basis
     * reserved_worst_case, the worst case reserved, tokens unknown). Half of a worst case is not what the Batch API
     * would have saved: the provider never billed that amount. Savings: 50 % of the 20 settled calls' cost.
     */
    @Test
    void finish_batchJobWithUnsettledCalls_savesHalfOfWhatWasBilledOnly() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(900, 0, 0, 0, 120, 0);
        BigDecimal settled = cost("openai", "gpt-4.1-mini", tokens, null);
        for (int i = 0; i < 25; i++) {
            UsageRecord.Builder b = record(
                            "openai",
                            "gpt-4.1-mini",
                            "chat.completions",
                            "backfill",
                            null,
                            "key_1",
                            i * 30L,
                            tokens,
                            null)
                    .attribution(new Attribution("backfill", "data", null, "production", null, null, "nightly-1"))
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(100 + i), null));
            if (i >= 20) {
                // as UnsettledCalls writes it: no status, no tokens, the reserved worst case as cost
                b.statusCode(0)
                        .tokens(TokenUsage.ZERO)
                        .costUsd(new BigDecimal("0.0655360"))
                        .usageSource(UsageRecord.UsageSource.ESTIMATED)
                        .errorType("unsettled")
                        .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE);
            }
            records.add(b.build());
        }
        BigDecimal expected = settled.multiply(BigDecimal.valueOf(20)).multiply(new BigDecimal("0.5"));

        WasteReport report = run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .singleElement()
                .satisfies(f -> assertThat(f.windowSavingsUsd()).isEqualByComparingTo(expected));
    }

    /**
     * A nightly run of 25 non-streamed gpt-4.1-mini Responses calls, each running one web search ($10 per 1,000). The
     * catalog's rule (ModelPrice.quote): the per-search fee is not discounted by tier. The Batch API halves the
     * tokens, not the searches, so the saving is the cost minus the cost at the model's batch rates.
     */
    @Test
    void finish_batchJobWithWebSearches_savesHalfOfTheTokensNotOfTheSearchFees() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(900, 0, 0, 0, 120, 0).withWebSearches(1);
        for (int i = 0; i < 25; i++) {
            records.add(record("openai", "gpt-4.1-mini", "responses", "enrich", null, "key_1", i * 30L, tokens, null)
                    .attribution(new Attribution("enrich", "data", null, "production", null, null, "nightly-1"))
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(200 + i), null))
                    .build());
        }
        BigDecimal standard = cost("openai", "gpt-4.1-mini", tokens, null);
        BigDecimal batch = cost("openai", "gpt-4.1-mini", tokens, "batch");
        BigDecimal expected = standard.subtract(batch).multiply(BigDecimal.valueOf(25));

        WasteReport report = run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .singleElement()
                .satisfies(f -> assertThat(f.windowSavingsUsd())
                        .as("$%s a call at standard, $%s at the batch rates", standard, batch)
                        .isEqualByComparingTo(expected));
    }

    /**
     * A nightly run of 25 non-streamed gpt-4.1 calls that read 3,800 of their 4,000 input tokens from OpenAI's prompt
     * cache ($0.50 per million). The catalog's batch rates for gpt-4.1 have no cached-input price ($1.00 for every
     * input token), so the run costs more through the Batch API: no batch-tier finding (and never "save 50 %").
     */
    @Test
    void finish_batchJobOfCachedCallsThatCostMoreAtBatchRates_isNoBatchFinding() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(4_000, 3_800, 0, 0, 50, 0);
        for (int i = 0; i < 25; i++) {
            records.add(record("openai", "gpt-4.1", "chat.completions", "enrich", null, "key_1", i * 30L, tokens, null)
                    .attribution(new Attribution("enrich", "data", null, "production", null, null, "nightly-1"))
                    .fingerprints(new UsageRecord.Fingerprints(SYSTEM_HASH, null, hash(300 + i), null))
                    .build());
        }
        BigDecimal standard = cost("openai", "gpt-4.1", tokens, null);
        BigDecimal batch = cost("openai", "gpt-4.1", tokens, "batch");
        assertThat(batch).as("the catalog's own batch price of one call").isGreaterThan(standard);

        WasteReport report = run(records);

        assertThat(report.findings())
                .as("$%s a call now, $%s through the Batch API", standard, batch)
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .isEmpty();
    }

    /**
     * 60 short claude-opus-4-6 calls sent with max_tokens 100,000 (Opus 4.6 answers up to 128,000). The advised
     * claude-haiku-4-5 answers at most 64,000 output tokens (output-limits.csv): Anthropic refuses such a request, and
     * the gateway's route leaves every one of these calls on Opus (OutputLimits.answers, README "From finding to
     * fix"). The finding advises a move none of these calls can make and prices it as if all did.
     */
    @Test
    void finish_simpleCallsWithAnOutputCapTheCheaperModelRefuses_areNoModelMismatch() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(800, 0, 0, 0, 30, 0);
        for (int i = 0; i < 60; i++) {
            records.add(record(
                            "anthropic",
                            "claude-opus-4-6",
                            "messages",
                            "agent-triage",
                            "s" + i,
                            "key_1",
                            i * 120L,
                            tokens,
                            null)
                    .maxOutputTokens(100_000L)
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(400 + i), null))
                    .build());
        }

        WasteReport report = run(records);

        assertThat(report.findings())
                .as("no call of the 60 can be served by claude-haiku-4-5 with max_tokens 100000")
                .filteredOn(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .isEmpty();
    }

    /**
     * Bedrock calls through the EU geographic profile (eu.anthropic.claude-opus-4-1...: the data stays in EU regions).
     * The catalog has Haiku 4.5 both in-region (the price of geographic profiles) and as the global. profile, which
     * routes a request to any commercial region worldwide at about 10 % less (README "Bedrock runtime routes",
     * Pricing). The cheaper model must be the same model move on the same kind of endpoint, not a move out of the
     * EU, and its savings must not credit the global profile's discount to the model change.
     */
    @Test
    void finish_bedrockEuProfileOpusCalls_areAdvisedHaikuOnTheSameKindOfEndpoint() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(700, 0, 0, 0, 40, 0);
        String served = "eu.anthropic.claude-opus-4-1-20250805-v1:0";
        for (int i = 0; i < 60; i++) {
            records.add(record(
                            "bedrock",
                            served,
                            "bedrock.converse",
                            "kyc-extract",
                            "s" + i,
                            "key_1",
                            i * 120L,
                            tokens,
                            null)
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(500 + i), null))
                    .build());
        }
        BigDecimal opus = cost("bedrock", served, tokens, null);
        BigDecimal haikuInRegion = cost("bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0", tokens, null);
        BigDecimal expected = opus.subtract(haikuInRegion).multiply(BigDecimal.valueOf(60));

        WasteReport report = run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.evidence().details().get("cheaper_model"))
                            .as("the advised model for calls kept in the EU")
                            .doesNotStartWith("global.");
                    assertThat(f.windowSavingsUsd()).isEqualByComparingTo(expected);
                });
    }

    /**
     * README "The detectors", batch_tier: the calls of one job, one run of a feature, are eligible when the job made
     * >= 20 billed calls and none was streamed. Run nightly-9 of feature enrich made 25 non-streamed gpt-4.1-mini
     * calls and 5 streamed gpt-4.1 calls (someone watched part of it): the job streamed, so it is not batch-eligible.
     */
    @Test
    void finish_runWithStreamedCallsOnAnotherModel_isNotBatchEligible() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(900, 0, 0, 0, 120, 0);
        Attribution run = new Attribution("enrich", "data", null, "production", null, null, "nightly-9");
        for (int i = 0; i < 30; i++) {
            boolean watched = i % 6 == 5;
            records.add(record(
                            "openai",
                            watched ? "gpt-4.1" : "gpt-4.1-mini",
                            "chat.completions",
                            "enrich",
                            null,
                            "key_1",
                            i * 30L,
                            tokens,
                            null)
                    .attribution(run)
                    .stream(watched)
                    .fingerprints(new UsageRecord.Fingerprints(null, null, hash(600 + i), null))
                    .build());
        }

        WasteReport report = run(records);

        assertThat(report.findings())
                .as("run nightly-9 streamed 5 of its 30 calls")
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .isEmpty();
    }

    /**
     * Feature kb sends two different 3,000-token system prompts uncached on claude-sonnet-4-5 (an English and a German
     * variant), 25 calls each: two context-bloat findings, each with its own prefix, calls and savings. Finding ids are
     * what the life cycle (open / resolved / regressed and the board's "recovered") and `advisor apply FINDING_ID` go
     * by, so the two must not share one: as it is, the life cycle keeps one of them and apply takes the first.
     */
    @Test
    void finish_twoUncachedSystemPromptsOfOneFeature_haveDistinctFindingIds() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(3_000, 0, 0, 0, 150, 0);
        for (int i = 0; i < 50; i++) {
            String system = i % 2 == 0 ? SYSTEM_HASH : "0e0f1a2b3c4d5e6f708192a3b4c5d6e7";
            records.add(
                    record("anthropic", "claude-sonnet-4-5", "messages", "kb", "s" + i, "key_1", i * 60L, tokens, null)
                            .fingerprints(new UsageRecord.Fingerprints(system, null, hash(700 + i), null))
                            .build());
        }

        WasteReport report = run(records);

        List<Finding> bloat = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.CONTEXT_BLOAT)
                .toList();
        assertThat(bloat).hasSize(2);
        assertThat(bloat).extracting(Finding::id).doesNotHaveDuplicates();
    }

    /**
     * Bedrock claude-sonnet-4 calls that write a 3,000-token prompt cache every 15 minutes and never read it. Bedrock
     * keeps the 1-hour cache for the Claude 4.5 and later models only (the gateway's BedrockPromptCaching table, from
     * AWS's supported-models table; the catalog has no 1-hour write price for this model): the advice to set
     * "ttl": "1h" cannot be followed on this model. The finding must advise something the model supports (drop the
     * marker, as for gaps longer than the TTL it has).
     */
    @Test
    void finish_unreadWritesOnABedrockModelWithoutTheHourCache_doNotAdviseTheHourTtl() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(3_200, 0, 3_000, 0, 100, 0);
        String model = "anthropic.claude-sonnet-4-20250514-v1:0";
        for (int i = 0; i < 14; i++) {
            records.add(
                    record("bedrock", model, "bedrock.converse", "contracts", "s" + i, "key_1", i * 900L, tokens, null)
                            .fingerprints(new UsageRecord.Fingerprints(SYSTEM_HASH, null, hash(800 + i), null))
                            .build());
        }

        WasteReport report = run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.PROMPT_CACHE)
                .singleElement()
                .satisfies(f -> assertThat(f.recommendation())
                        .as("Bedrock has no 1-hour prompt cache for %s", model)
                        .doesNotContain("\"ttl\": \"1h\""));
    }

    // ---------------------------------------------------------------------------------------------------------------

    static WasteReport run(List<UsageRecord> records) {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        records.forEach(pass::accept);
        return pass.finish(WINDOW, new UsageLogReader.ReadStats(1, records.size(), 0, 0, 0, List.of()));
    }

    static BigDecimal cost(String provider, String model, TokenUsage tokens, String tier) {
        return PRICER.price(new CallPricer.Call(provider, model, model, tokens, true, tier, tier, null, T0))
                .cost();
    }

    static String hash(int i) {
        return String.format("%032x", 0xabc000L + i);
    }

    static UsageRecord.Builder record(
            String provider,
            String model,
            String endpoint,
            String feature,
            String session,
            String key,
            long offsetSeconds,
            TokenUsage tokens,
            String tier) {
        Instant t = T0.plusSeconds(offsetSeconds);
        UsageRecord.Builder b = UsageRecord.builder()
                .requestId("req-" + feature + "-" + offsetSeconds + "-" + session)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId(key)
                .attribution(new Attribution(feature, "ops", null, "production", session, null, null))
                .provider(provider)
                .endpoint(endpoint)
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost(provider, model, tokens, tier))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER);
        if (tier != null) {
            b.serviceTierRequested(tier).serviceTierServed(tier);
        }
        return b;
    }
}
