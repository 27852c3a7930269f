package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.FindingFixes;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Session 25 review (rev25d): the dollar figures that tell a team what a routing rule, a degrade budget or a response
 * cache would save, against what the gateway would really bill or serve.
 */
class SavingsClaimReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Instant T0 = Instant.parse("2026-10-05T08:00:00Z");
    /** 1,000 input, 100 output tokens. */
    private static final TokenUsage SMALL = new TokenUsage(1_000, 0, 0, 0, 100, 0);

    private static final ModelPrice OPUS_46 =
            CATALOG.find("anthropic", "claude-opus-4-6", T0).orElseThrow();
    private static final ModelPrice SONNET_46 =
            CATALOG.find("anthropic", "claude-sonnet-4-6", T0).orElseThrow();

    /**
     * Anthropic bills a call that ran with {@code inference_geo: us} at 1.1x on Claude Opus 4.6 and Sonnet 4.6 (the
     * catalog's {@code region_multipliers}; the gateway prices the response's {@code usage.inference_geo}). A route
     * only changes the model: the routed call still runs US-only and is billed 1.1x on Sonnet 4.6. The replay (what
     * {@code advisor apply} prints as "would have saved") prices the target without the multiplier.
     *
     * <pre>
     * recorded opus-4-6 us:  (1000 x $5 + 100 x $25) / 1M x 1.1 = $0.00825
     * routed sonnet-4-6 us:  (1000 x $3 + 100 x $15) / 1M x 1.1 = $0.00495   (replay: $0.0045)
     * </pre>
     */
    @Test
    void routedCall_usInferenceGeo_pricedWithTheRegionMultiplierOnTheTarget() {
        BigDecimal recorded = OPUS_46.quote(SMALL, null, "us").orElseThrow().cost();
        assertThat(recorded).isEqualByComparingTo("0.00825");
        GatewayPolicy policy = GatewayPolicy.parse("""
                {"format_version": 1,
                 "allowed_moves": {"anthropic": ["claude-opus-4-6>claude-sonnet-4-6"]},
                 "routes": [{"id": "extract-sonnet", "from": "claude-opus-4-6", "to": "claude-sonnet-4-6",
                             "feature": "extract"}]}
                """.getBytes(StandardCharsets.UTF_8));
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy);

        UsageRecord routed = replay.apply(anthropic("r1", T0, "claude-opus-4-6", "us", recorded));

        assertThat(routed.optimization().routedBy()).isEqualTo("extract-sonnet");
        assertThat(routed.costUsd()).isEqualByComparingTo("0.00495");
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0.0033");
    }

    /**
     * The same region multiplier under {@code simulate-policy}: a degrade budget of $0.014 a month on the feature,
     * chain claude-opus-4-6>claude-sonnet-4-6, two US-only calls of $0.00825. The second is degraded and the gateway
     * bills it at Sonnet 4.6's rates x 1.1 = $0.00495, so the month's spend under the policy is $0.0132 (the replay
     * says $0.01275, and charges the budget less than the gateway would).
     */
    @Test
    void policyReplay_degradedUsGeoCall_keepsTheRegionMultiplier() {
        BigDecimal recorded = OPUS_46.quote(SMALL, null, "us").orElseThrow().cost();
        BudgetPolicy degrade = new BudgetPolicy(
                new BudgetScope(ScopeType.FEATURE, "extract"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("0.014"),
                BudgetPolicy.Mode.DEGRADE,
                null,
                null,
                null);
        try (PolicyReplay replay = PolicyReplay.create(
                CATALOG,
                List.of(degrade),
                m -> m.equals("claude-opus-4-6") ? List.of("claude-sonnet-4-6") : List.of(),
                (clock, enforcer) -> (a, k) -> Optional.empty())) {
            replay.accept(anthropic("r1", T0, "claude-opus-4-6", "us", recorded));
            replay.accept(anthropic("r2", T0.plusSeconds(600), "claude-opus-4-6", "us", recorded));

            PolicyReplay.Line total = replay.result().total();
            assertThat(total.degraded()).isEqualTo(1);
            assertThat(total.spendAfterUsd()).isEqualByComparingTo("0.0132");
        }
    }

    /**
     * The gateway keeps a miss's answer only when the call concluded without an {@code error_type} (README "Response
     * cache": not one recorded with an error_type, the retry reaches the provider; {@code CacheFill}). A stream the
     * provider cut ({@code upstream_truncated}, 200, billed) is not kept, so the client's identical retry five minutes
     * later is a miss and is billed. The replay keeps it and counts the retry as a hit that saved its cost.
     */
    @Test
    void cacheReplay_answerCutByTheProvider_isNotKept() {
        GatewayPolicy policy = GatewayPolicy.parse("""
                {"format_version": 1,
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                """.getBytes(StandardCharsets.UTF_8));
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy);
        ModelPrice mini = CATALOG.find("openai", "gpt-4o-mini", T0).orElseThrow();
        BigDecimal cost = mini.cost(SMALL);
        UsageRecord cut = openai("r1", T0, "key_1", cost).toBuilder().stream(true)
                .errorType("upstream_truncated")
                .build();
        UsageRecord retry = openai("r2", T0.plusSeconds(300), "key_1", cost).toBuilder().stream(true)
                .build();

        replay.apply(cut);
        UsageRecord second = replay.apply(retry);

        assertThat(second.optimization().cache()).isEqualTo("miss");
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * README "Totals count a call once": each finding's savings is what its one change would save. The cache-miss
     * finding's change ({@code advisor apply}, {@link FindingFixes}) is a cache shared per key, the gateway's default
     * ("never across keys or departments unless share says so"). Twelve keys of one feature each ask the same question
     * once, 4 minutes apart: a per-key cache answers none of them, yet the detector (partitioned by feature and model
     * only) reports 11 hits and their cost as the window's savings. The same twelve calls on one key are 11 hits its
     * fix does serve: the finding claims what the replay of its fix saves.
     */
    @Test
    void cacheMissFinding_repeatsAcrossKeys_savesWhatItsPerKeyCacheWould() {
        ModelPrice mini = CATALOG.find("openai", "gpt-4o-mini", T0).orElseThrow();
        BigDecimal cost = mini.cost(SMALL);
        List<UsageRecord> acrossKeys = new ArrayList<>();
        List<UsageRecord> oneKey = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            acrossKeys.add(openai("req-" + i, T0.plus(Duration.ofMinutes(4L * i)), "key_" + i, cost));
            oneKey.add(openai("req-" + i, T0.plus(Duration.ofMinutes(4L * i)), "key_1", cost));
        }
        // the rule advisor apply writes for a cache-miss finding on faq: exact, 60 min, share per key (the default)
        GatewayPolicyReplay perKey =
                GatewayPolicyReplay.create(CATALOG, GatewayPolicy.parse("""
                {"format_version": 1,
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600, "share": "key"}]}
                """.getBytes(StandardCharsets.UTF_8)));
        acrossKeys.forEach(perKey::apply);
        assertThat(perKey.result().savedUsd()).isEqualByComparingTo("0");

        assertThat(analyze(acrossKeys).stream().filter(f -> f.category() == WasteCategory.CACHE_MISS))
                .as("a cache-miss finding whose per-key cache answers none of its calls")
                .isEmpty();

        Finding cacheMiss = analyze(oneKey).stream()
                .filter(f -> f.category() == WasteCategory.CACHE_MISS)
                .findFirst()
                .orElseThrow();
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(
                CATALOG, FindingFixes.forFinding(cacheMiss, CATALOG, null).policyWithOnlyIt());
        oneKey.forEach(replay::apply);
        assertThat(replay.result().savedUsd()).isEqualByComparingTo(cost.multiply(BigDecimal.valueOf(11)));
        assertThat(cacheMiss.windowSavingsUsd())
                .isEqualByComparingTo(replay.result().savedUsd());
    }

    /**
     * The gateway's cache bypasses a streamed Responses API call ({@code X-Spendgate-Cache-Reason: stream}; README
     * "Endpoints"), and the replay (and so the advisor) counts such calls as never hits. The cache-miss detector counts
     * them: twelve identical streamed {@code responses} calls 4 minutes apart on one key make a finding whose
     * window savings are 11 calls' cost, while its own fix saves $0.
     */
    @Test
    void cacheMissFinding_streamedResponsesCalls_areNotHitsTheCacheCouldServe() {
        ModelPrice mini = CATALOG.find("openai", "gpt-4o-mini", T0).orElseThrow();
        BigDecimal cost = mini.cost(SMALL);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(
                    openai("req-" + i, T0.plus(Duration.ofMinutes(4L * i)), "key_1", cost).toBuilder()
                            .endpoint("responses")
                            .stream(true)
                            .build());
        }
        List<Finding> findings = analyze(records);
        GatewayPolicyReplay replay =
                GatewayPolicyReplay.create(CATALOG, GatewayPolicy.parse("""
                        {"format_version": 1,
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                        """.getBytes(StandardCharsets.UTF_8)));
        records.forEach(replay::apply);
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");

        assertThat(findings.stream().filter(f -> f.category() == WasteCategory.CACHE_MISS))
                .as("a cache-miss finding on calls no response cache answers")
                .isEmpty();
    }

    /**
     * README "Response cache": "a call a degrade budget moved to a cheaper model is kept as that model's answer, so the
     * same request gets the model it asked for once the budget has room" (the lookup, before the budgets, keys on the
     * model asked). A faq call asking gpt-4o that a degrade budget served on gpt-4o-mini fills gpt-4o-mini's answer;
     * the same request on gpt-4o five minutes later misses and is billed at gpt-4o. The replay keeps the degraded
     * answer under gpt-4o and counts the second call as a hit saving its full gpt-4o cost.
     */
    @Test
    void cacheReplay_degradedAnswer_isNotServedToTheModelAskedFor() {
        GatewayPolicy policy = GatewayPolicy.parse("""
                {"format_version": 1,
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                """.getBytes(StandardCharsets.UTF_8));
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy);
        BigDecimal mini =
                CATALOG.find("openai", "gpt-4o-mini", T0).orElseThrow().cost(SMALL);
        BigDecimal full = CATALOG.find("openai", "gpt-4o", T0).orElseThrow().cost(SMALL);
        UsageRecord degraded = openai("r1", T0, "key_1", mini).toBuilder()
                .modelRequested("gpt-4o")
                .degradedFrom("gpt-4o")
                .modelServed("gpt-4o-mini")
                .build();
        UsageRecord asked = openai("r2", T0.plusSeconds(300), "key_1", full).toBuilder()
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .build();

        replay.apply(degraded);
        UsageRecord second = replay.apply(asked);

        assertThat(second.optimization().cache()).isEqualTo("miss");
        assertThat(second.costUsd()).isEqualByComparingTo(full);
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * README "Budgets": "A changed time zone waits for the period's end" (the spend so far stays on the items of the
     * zone in force). A daily block budget of $0.008 on feature extract, moved from UTC to Asia/Tokyo at 20:00 UTC on
     * 5 October ({@link BudgetPolicy#replacing}: Tokyo from 6 October 00:00 UTC). Three $0.0035 gpt-4o calls at 10:00,
     * 14:00 and 16:00 UTC on 5 October all fall in the UTC day in force, so the gateway blocks the third ($0.0105 >
     * $0.008). simulate-policy, given that policy file, replays it in Tokyo's zone from the start: the third call
     * falls on Tokyo's 6 October and is admitted.
     */
    @Test
    void policyReplay_zoneChangePending_countsThePeriodInTheZoneInForce() {
        BudgetPolicy utc = new BudgetPolicy(
                new BudgetScope(ScopeType.FEATURE, "extract"),
                BudgetPeriod.DAILY,
                new BigDecimal("0.008"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC);
        BudgetPolicy tokyo = new BudgetPolicy(
                        new BudgetScope(ScopeType.FEATURE, "extract"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("0.008"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        java.time.ZoneId.of("Asia/Tokyo"))
                .replacing(utc, Instant.parse("2026-10-05T20:00:00Z"));
        assertThat(tokyo.inForceAt(Instant.parse("2026-10-05T16:00:00Z")).zone())
                .isEqualTo(ZoneOffset.UTC);
        ModelPrice gpt4o = CATALOG.find("openai", "gpt-4o", T0).orElseThrow();
        BigDecimal cost = gpt4o.cost(SMALL);
        assertThat(cost).isEqualByComparingTo("0.0035");
        try (PolicyReplay replay = PolicyReplay.create(
                CATALOG, List.of(tokyo), m -> List.of(), (clock, enforcer) -> (a, k) -> Optional.empty())) {
            for (String at : List.of("2026-10-05T10:00:00Z", "2026-10-05T14:00:00Z", "2026-10-05T16:00:00Z")) {
                replay.accept(anthropic("r-" + at, Instant.parse(at), "claude-opus-4-6", null, cost).toBuilder()
                        .provider("openai")
                        .endpoint("chat.completions")
                        .modelRequested("gpt-4o")
                        .modelServed("gpt-4o")
                        .build());
            }

            assertThat(replay.result().total().blocked()).isEqualTo(1);
            assertThat(replay.result().total().spendAfterUsd()).isEqualByComparingTo("0.007");
        }
    }

    private static List<Finding> analyze(List<UsageRecord> records) {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        records.forEach(pass::accept);
        WasteReport report = pass.finish(
                new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z")),
                new UsageLogReader.ReadStats(1, records.size(), 0, 0, 0, List.of()));
        return report.findings();
    }

    private static UsageRecord openai(String id, Instant t, String key, BigDecimal cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId(key)
                .attribution(new Attribution("faq", "support", null, "production", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(SMALL)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "refund-window", "0123456789abcdef"))
                .build();
    }

    private static UsageRecord anthropic(String id, Instant t, String model, String geo, BigDecimal cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("key_1")
                .attribution(new Attribution("extract", "finance", null, "production", null, null, null))
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(SMALL)
                .costUsd(cost)
                .inferenceGeo(geo)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
