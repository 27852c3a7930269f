package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code advisor apply} prints "would have saved" and {@code simulate --through-gateway-policy} writes a month from
 * {@link GatewayPolicyReplay}; the README promises it replays the window "as the gateway bills them". These calls are
 * ones the gateway itself leaves alone under the same policy (README, "Routing and caching"), so the replay must leave
 * them alone too, or the advisor promises savings the applied rule never delivers.
 */
class GatewayPolicyReplayFidelityTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");

    private static GatewayPolicy policy(String json) {
        return GatewayPolicy.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static UsageRecord.Builder call(int i, String endpoint, String model, TokenUsage tokens) {
        Instant t = T0.plusSeconds(60L * i);
        BigDecimal cost = CATALOG.find("openai", model).orElseThrow().cost(tokens);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", null, null, null))
                .provider("openai")
                .endpoint(endpoint)
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new UsageRecord.Fingerprints("sys", "prefix", "same-request", "0f0f0f0f0f0f0f0f"));
    }

    /**
     * README: "Embeddings and batches bypass (`endpoint`)". The gateway never answers an embeddings call from the
     * cache (Optimizations.lookup: {@code bypass("endpoint")}), so five identical embeddings calls in a feature with a
     * cache rule are five billed calls. The replay serves four of them as hits and reports them as saved.
     */
    @Test
    void apply_repeatedEmbeddingsCalls_areNotCacheHitsAsTheGatewayBypassesThem() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                        """));
        TokenUsage tokens = new TokenUsage(2_000_000, 0, 0, 0, 0, 0);
        List<UsageRecord> out = new ArrayList<>();
        BigDecimal recorded = BigDecimal.ZERO;
        for (int i = 0; i < 5; i++) {
            UsageRecord r =
                    call(i, "embeddings", "text-embedding-3-small", tokens).build();
            recorded = recorded.add(r.costUsd());
            out.add(replay.apply(r));
        }

        assertThat(out).extracting(r -> r.optimization().cache()).doesNotContain("hit");
        assertThat(replay.result().spendAfterUsd()).isEqualByComparingTo(recorded); // 5 x $0.04 = $0.20
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * README: streamed calls of the Responses API, Bedrock Converse and InvokeModel "bypass with X-Spendgate-Cache:
     * bypass and X-Spendgate-Cache-Reason: stream". Three identical streamed Responses calls are three billed calls at
     * the gateway; the replay makes two of them $0 hits.
     */
    @Test
    void apply_repeatedStreamedResponsesCalls_areNotCacheHitsAsTheGatewayBypassesThem() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                        """));
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 50_000, 0);
        List<UsageRecord> out = new ArrayList<>();
        BigDecimal recorded = BigDecimal.ZERO;
        for (int i = 0; i < 3; i++) {
            UsageRecord r = call(i, "responses", "gpt-4o", tokens).stream(true).build();
            recorded = recorded.add(r.costUsd());
            out.add(replay.apply(r));
        }

        assertThat(out).extracting(r -> r.optimization().cache()).doesNotContain("hit");
        assertThat(replay.result().spendAfterUsd()).isEqualByComparingTo(recorded); // 3 x $0.75 = $2.25
    }

    /**
     * A provider batch's result lines are charged as they come back; they never pass the gateway's request path, so no
     * routing rule moves them and no cache answers them. Two identical gpt-4o lines of one batch stay billed on gpt-4o.
     */
    @Test
    void apply_batchResultLines_areNeitherRoutedNorCached() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                         "routes": [{"id": "faq-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "faq"}],
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                        """));
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 50_000, 0);
        List<UsageRecord> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            out.add(replay.apply(call(i, "chat.completions", "gpt-4o", tokens)
                    .batchId("batch_1")
                    .build()));
        }

        assertThat(out).allSatisfy(r -> {
            assertThat(r.optimization().routedBy()).isNull();
            assertThat(r.optimization().cache()).isNull();
        });
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * README: "A call whose output cap (max_tokens) is more than the rule's model can answer keeps its model"
     * (RouteStage: gpt-4o-mini answers at most 16,384 tokens). A gpt-4.1 call with {@code max_tokens: 20000} stays on
     * gpt-4.1 at the gateway; the replay moves it to gpt-4o-mini and credits the rule with the difference.
     *
     * <pre>
     * gpt-4.1      1M x $2.00 + 0.5M x $8.00 = $6.00 (recorded, and what the gateway bills under the rule)
     * gpt-4o-mini  1M x $0.15 + 0.5M x $0.60 = $0.45 (what the replay bills)
     * </pre>
     */
    @Test
    void apply_outputCapAboveTheTargetsMaximum_keepsItsModelAsAtTheGateway() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "allowed_moves": {"openai": ["gpt-4.1>gpt-4o-mini"]},
                         "routes": [{"id": "faq-mini", "from": "gpt-4.1", "to": "gpt-4o-mini", "feature": "faq"}]}
                        """));
        UsageRecord r = call(0, "chat.completions", "gpt-4.1", new TokenUsage(1_000_000, 0, 0, 0, 500_000, 0))
                .maxOutputTokens(20_000L)
                .fingerprints(UsageRecord.Fingerprints.NONE)
                .build();
        assertThat(r.costUsd()).isEqualByComparingTo("6.00");

        UsageRecord replayed = replay.apply(r);

        assertThat(replayed.optimization().routedBy()).isNull();
        assertThat(replayed.costUsd()).isEqualByComparingTo("6.00");
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * The gateway fills the cache after the answer has left (README: "the fill runs after the answer has left";
     * CacheFill), and nothing holds a second identical request until the first is answered. So a client that times
     * out after 10 s and resends while the provider is still generating the first answer (40 s) pays twice: both
     * calls miss. The replay makes the entry available from the first call's start and turns the resend into a $0 hit.
     */
    @Test
    void apply_identicalCallStartedWhileTheFirstIsStillRunning_isAMissAsAtTheGateway() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                        """));
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 50_000, 0);
        UsageRecord first = call(0, "chat.completions", "gpt-4o", tokens)
                .tsEnd(T0.plusSeconds(40))
                .build();
        UsageRecord resent = call(0, "chat.completions", "gpt-4o", tokens)
                .requestId("req-resent")
                .tsStart(T0.plusSeconds(10))
                .tsEnd(T0.plusSeconds(45))
                .build();

        replay.apply(first);
        UsageRecord second = replay.apply(resent);

        assertThat(second.optimization().cache()).isEqualTo("miss");
        assertThat(second.costUsd()).isEqualByComparingTo(resent.costUsd()); // $0.75, billed at the gateway
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * README: "max_entries per feature (oldest fill dropped first, locally and in AWS)". With {@code max_entries: 1},
     * questions A, B, A a minute apart are three misses at the gateway: B's fill drops A's answer. The replay keeps
     * every answer for its TTL and serves the second A as a $0 hit.
     */
    @Test
    void apply_answerDroppedByMaxEntries_isAMissAsAtTheGateway() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600, "max_entries": 1}]}
                        """));
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 50_000, 0);
        String[] questions = {"question-a", "question-b", "question-a"};
        List<UsageRecord> out = new ArrayList<>();
        for (int i = 0; i < questions.length; i++) {
            out.add(replay.apply(call(i, "chat.completions", "gpt-4o", tokens)
                    .fingerprints(new UsageRecord.Fingerprints("sys", "prefix", questions[i], "0f0f0f0f0f0f0f0f"))
                    .build()));
        }

        assertThat(out).extracting(r -> r.optimization().cache()).containsExactly("miss", "miss", "miss");
        assertThat(replay.result().savedUsd()).isEqualByComparingTo("0");
    }

    /**
     * Anthropic caches a prefix only from a per-model minimum: 1,024 tokens for Claude Opus 4.1, 4,096 for Claude
     * Haiku 4.5 (platform.claude.com prompt caching, "Cache limitations"; below it the request "bills at the full
     * input rate"). A call to claude-opus-4-1 that read a 2,000-token prefix from the cache, routed by the README's own
     * example move (claude-opus-4-1 > claude-haiku-4-5), reads nothing on Haiku 4.5: every input token is billed at
     * Haiku's input rate. The replay prices the 2,000 tokens at Haiku's cache-read rate.
     *
     * <pre>
     * recorded, opus-4-1: 1,000 x $15 + 2,000 x $1.50 (read) + 500 x $75 = $0.0555
     * billed after the route, haiku-4-5: 3,000 x $1.00 + 500 x $5.00      = $0.0055
     * replay: 1,000 x $1.00 + 2,000 x $0.10 + 500 x $5.00                 = $0.0037
     * </pre>
     */
    @Test
    void apply_routedCallWhosePrefixIsBelowTheTargetsCacheMinimum_isBilledAtFullInput() {
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(CATALOG, policy("""
                        {"format_version": 1,
                         "allowed_moves": {"anthropic": ["claude-opus-4-1>claude-sonnet-4-5>claude-haiku-4-5"]},
                         "routes": [{"id": "faq-haiku", "from": "claude-opus-4-1", "to": "claude-haiku-4-5",
                                     "feature": "faq"}]}
                        """));
        TokenUsage tokens = new TokenUsage(3_000, 2_000, 0, 0, 500, 0);
        BigDecimal recorded =
                CATALOG.find("anthropic", "claude-opus-4-1").orElseThrow().cost(tokens);
        assertThat(recorded).isEqualByComparingTo("0.0555");
        UsageRecord r = UsageRecord.builder()
                .requestId("req-opus")
                .tsStart(T0)
                .tsEnd(T0.plusSeconds(3))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", null, null, null))
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-opus-4-1")
                .modelServed("claude-opus-4-1-20250805")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(recorded)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();

        UsageRecord routed = replay.apply(r);

        assertThat(routed.optimization().routedBy()).isEqualTo("faq-haiku");
        assertThat(routed.costUsd()).isEqualByComparingTo("0.0055");
    }
}
