package dev.spendgate.domain.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayPolicyTest {
    private static final String POLICY = """
            {"format_version": 1,
             "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"],
                               "anthropic": ["claude-opus-4-1>claude-sonnet-4-5>claude-haiku-4-5"]},
             "routes": [
               {"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "ticket-triage",
                "max_prompt_tokens": 2000, "max_output_tokens": 256, "tools": false},
               {"id": "low-tier", "from": "claude-opus-4-1", "to": "claude-haiku-4-5",
                "headers": {"X-Cost-Tier": "low"}, "share_percent": "10"}
             ],
             "cache": [{"feature": "faq", "mode": "semantic", "ttl_seconds": 600, "threshold": 0.9},
                       {"feature": "*", "mode": "exact"}],
             "prompt_caching": [{"feature": "kb-assistant"}]}
            """;

    private static GatewayPolicy parse(String json) {
        return GatewayPolicy.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static RequestTraits call(String feature, String model, long promptTokens, Long maxTokens, String tier) {
        return new RequestTraits(
                new Attribution(feature, "support", null, "prod", null, null, null),
                "key_1",
                "chat.completions",
                model,
                () -> promptTokens,
                maxTokens,
                false,
                h -> h.equals("x-cost-tier") ? tier : null,
                "req-1");
    }

    @Test
    void route_matchingFeatureAndTraits_movesToTheRulesModel() {
        GatewayPolicy policy = parse(POLICY);

        assertThat(policy.route(call("ticket-triage", "gpt-4o", 1200, 100L, null)))
                .hasValueSatisfying(r -> {
                    assertThat(r.model()).isEqualTo("gpt-4o-mini");
                    assertThat(r.rule().id()).isEqualTo("triage-mini");
                });
    }

    @Test
    void route_fromAliases_takeCallsPinnedToASnapshotAndSurviveAWrite() {
        GatewayPolicy policy = parse("""
                {"format_version": 1, "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "ticket-triage",
                             "from_aliases": ["gpt-4o-2024-08-06"]}]}
                """);

        GatewayPolicy written = GatewayPolicy.parse(policy.toJson());

        assertThat(written.route(call("ticket-triage", "gpt-4o-2024-08-06", 100, null, null)))
                .hasValueSatisfying(r -> assertThat(r.model()).isEqualTo("gpt-4o-mini"));
        assertThat(written.route(call("ticket-triage", "gpt-4o-2024-05-13", 100, null, null)))
                .isEmpty();
        assertThatThrownBy(() -> parse("""
                        {"format_version": 1, "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                         "routes": [{"id": "r", "from": "gpt-4o", "to": "gpt-4o-mini", "from_aliases": "gpt-4o-x"}]}
                        """)).hasMessageContaining("routes[0].from_aliases");
    }

    @Test
    void route_callASampledRuleLeavesOut_goesOnToTheNextRule() {
        GatewayPolicy policy = parse("""
                {"format_version": 1, "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini>gpt-4.1-nano"]},
                 "routes": [{"id": "tenth", "from": "gpt-4o", "to": "gpt-4.1-nano", "share_percent": "10"},
                            {"id": "all", "from": "gpt-4o", "to": "gpt-4o-mini"}]}
                """);
        Map<String, Integer> byRule = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            RequestTraits c = new RequestTraits(
                    new Attribution("faq", "support", null, "prod", null, null, null),
                    "key_1",
                    "chat.completions",
                    "gpt-4o",
                    () -> 100,
                    null,
                    false,
                    h -> null,
                    "req-" + i);
            byRule.merge(policy.route(c).map(r -> r.rule().id()).orElse("kept"), 1, Integer::sum);
        }

        assertThat(byRule).doesNotContainKey("kept");
        assertThat(byRule.get("tenth")).isBetween(60, 140);
        assertThat(byRule.get("all")).isEqualTo(1_000 - byRule.get("tenth"));
    }

    @Test
    void route_callOutsideTheTraits_keepsItsModel() {
        GatewayPolicy policy = parse(POLICY);

        assertThat(policy.route(call("ticket-triage", "gpt-4o", 5000, 100L, null)))
                .isEmpty();
        assertThat(policy.route(call("ticket-triage", "gpt-4o", 1200, null, null)))
                .isEmpty();
        assertThat(policy.route(call("ticket-triage", "gpt-4o", 1200, 1000L, null)))
                .isEmpty();
        assertThat(policy.route(call("chatbot", "gpt-4o", 1200, 100L, null))).isEmpty();
    }

    @Test
    void route_sampledShareOfTenPercent_movesAboutOneCallInTen() {
        GatewayPolicy policy = parse(POLICY);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            RequestTraits c = new RequestTraits(
                    Attribution.NONE,
                    "key_1",
                    "messages",
                    "claude-opus-4-1",
                    () -> 100,
                    null,
                    false,
                    h -> h.equals("x-cost-tier") ? "low" : null,
                    java.util
                            .UUID
                            .nameUUIDFromBytes(("r" + i).getBytes(StandardCharsets.UTF_8))
                            .toString());
            if (policy.route(c).isPresent()) {
                moved++;
            }
        }

        assertThat(moved).isBetween(900, 1100);
    }

    @Test
    void route_sameSampleKey_drawsTheSameEveryTime() {
        RouteRule rule = parse(POLICY).routes().get(1);

        boolean first = rule.sampled("req-42");
        for (int i = 0; i < 20; i++) {
            assertThat(rule.sampled("req-42")).isEqualTo(first);
        }
    }

    @Test
    void parse_moveOutsideTheAllowList_isRefusedNamingTheRoute() {
        String json = POLICY.replace("\"to\": \"gpt-4o-mini\"", "\"to\": \"gpt-4.1-nano\"");

        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("routes[0].to")
                .hasMessageContaining("gpt-4o -> gpt-4.1-nano is not in allowed_moves");
    }

    @Test
    void parse_upwardMoveAlongAChain_isRefused() {
        String json = POLICY.replace(
                "\"from\": \"claude-opus-4-1\", \"to\": \"claude-haiku-4-5\"",
                "\"from\": \"claude-haiku-4-5\", \"to\": \"claude-opus-4-1\"");

        assertThatThrownBy(() -> parse(json)).hasMessageContaining("routes[1].to");
    }

    @Test
    void parse_badValues_nameTheField() {
        assertThatThrownBy(() -> parse(POLICY.replace("\"threshold\": 0.9", "\"threshold\": 0.7")))
                .hasMessageContaining("cache[0].threshold");
        assertThatThrownBy(() -> parse(POLICY.replace("\"share_percent\": \"10\"", "\"share_percent\": \"0\"")))
                .hasMessageContaining("routes[1].share_percent");
        assertThatThrownBy(() -> parse(POLICY.replace("\"ttl_seconds\": 600", "\"ttl_secs\": 600")))
                .hasMessageContaining("cache[0].ttl_secs: unknown field");
        assertThatThrownBy(() -> parse(POLICY.replace("\"mode\": \"exact\"", "\"mode\": \"fuzzy\"")))
                .hasMessageContaining("cache[1].mode");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("must be a JSON object");
    }

    @Test
    void parse_twoDocuments_isRefusedNotTheFirstKept() {
        assertThatThrownBy(() -> parse("{\"routes\": []}\n" + POLICY))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("single JSON object");
        assertThat(parse(POLICY + "\n\n").routes()).isNotEmpty();
    }

    @Test
    void cacheRule_featureWithoutItsOwnRule_getsTheWildcard() {
        GatewayPolicy policy = parse(POLICY);

        assertThat(policy.cacheRule("faq")).hasValueSatisfying(r -> {
            assertThat(r.mode()).isEqualTo(CacheRule.Mode.SEMANTIC);
            assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(10));
            assertThat(r.share()).isEqualTo(CacheRule.Share.KEY);
        });
        assertThat(policy.cacheRule("other"))
                .hasValueSatisfying(r -> assertThat(r.mode()).isEqualTo(CacheRule.Mode.EXACT));
        assertThat(policy.promptCachingRule("kb-assistant")).isPresent();
        assertThat(policy.promptCachingRule("faq")).isEmpty();
    }

    @Test
    void toJson_parsedBack_isTheSamePolicy() {
        GatewayPolicy policy = parse(POLICY)
                .withApplied(new AppliedChange(
                        "model_mismatch/x",
                        "route",
                        "triage-mini",
                        "alice",
                        java.time.Instant.parse("2026-12-03T15:00:00Z"),
                        new BigDecimal("12.50"),
                        "2026-11-01T00:00:00Z/2026-12-01T00:00:00Z"));

        GatewayPolicy again = GatewayPolicy.parse(policy.toJson());

        assertThat(again).isEqualTo(policy);
        assertThat(again.routes().get(1).headers()).isEqualTo(Map.of("X-Cost-Tier", "low"));
    }

    @Test
    void withApplied_sameFindingAppliedAgain_replacesItsEarlierEntry() {
        java.time.Instant oct1 = java.time.Instant.parse("2026-10-01T00:00:00Z");
        java.time.Instant oct8 = java.time.Instant.parse("2026-10-08T00:00:00Z");
        AppliedChange tenPercent = new AppliedChange(
                "model_mismatch/feature:triage/gpt-4o",
                "route",
                "advisor-triage-gpt-4o",
                "alice",
                oct1,
                new BigDecimal("70.5"),
                "w");
        AppliedChange cache =
                new AppliedChange("cache_miss/feature:faq/gpt-4o", "cache", "faq", "bob", oct1, null, "w");
        AppliedChange full = new AppliedChange(
                "model_mismatch/feature:triage/gpt-4o",
                "route",
                "advisor-triage-gpt-4o",
                "alice",
                oct8,
                new BigDecimal("705"),
                "w");

        GatewayPolicy policy =
                parse(POLICY).withApplied(tenPercent).withApplied(cache).withApplied(full);

        assertThat(policy.applied()).containsExactly(cache, full);
    }

    @Test
    void allowsTemperature_absentTemperatureCountsAsOne_andIsBypassedUnderTheDefaultBound() {
        CacheRule rule = parse(POLICY).cacheRule("faq").orElseThrow();

        assertThat(rule.allowsTemperature(null)).isFalse();
        assertThat(rule.allowsTemperature(new BigDecimal("0.2"))).isTrue();
        assertThat(rule.allowsTemperature(new BigDecimal("0.7"))).isFalse();
    }
}
