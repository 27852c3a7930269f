package dev.spendgate.domain.cache;

import static dev.spendgate.domain.cache.CacheKeysTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review of the semantic cache (session 26, rev26d). README, "Semantic": "nor does a question with 'should' or 'must'
 * one without", and the labelled set keeps "Should I upgrade my plan?" apart from "Can I upgrade my plan?". The other
 * auxiliaries that say what is asked are stop words: "can", "will", "did", "was", "has". So a question about what
 * happened ("Did I get a refund?", "Was I charged twice?": an account's history) scores 1.0 against the question
 * about what may or will happen ("Can I get a refund?": the policy; "Will I be charged twice?"), and one is served the
 * other's answer: a customer asking whether a refund was made is told the refund policy, one asking whether the
 * assistant cancelled the subscription is served the answer to "Can you cancel my subscription?".
 */
class AskedTenseReviewTest {
    private static final Attribution BILLING = new Attribution("billing", "finance", null, "prod", null, null, null);

    static final List<List<String>> SWAPPED = List.of(
            List.of("Can I get a refund?", "Did I get a refund?"),
            List.of("Will I be charged twice?", "Was I charged twice?"),
            List.of("Can you cancel my subscription?", "Did you cancel my subscription?"),
            List.of("Can I upgrade my plan?", "Did I upgrade my plan?"));

    private static JsonNode ask(String question) {
        return json("{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You answer questions about Acme's plans.\"},{\"role\":\"user\",\"content\":\"" + question
                + "\"}]}");
    }

    @Test
    void semanticLookup_whatHappenedAgainstWhatMay_isAMiss() {
        // the README's example rule: threshold 0.90
        CacheRule rule = new CacheRule(
                "billing",
                CacheRule.Mode.SEMANTIC,
                Duration.ofMinutes(60),
                100,
                10_000,
                new BigDecimal("0.90"),
                CacheRule.Share.KEY,
                null,
                false,
                null);
        ResponseCache cache = new ResponseCache(
                new MemoryStore(), new ResponseCacheTest.MutableClock(Instant.parse("2026-12-06T10:00:00Z")));
        for (List<String> pair : SWAPPED) {
            ResponseCache.Lookup first = cache.lookup(
                    rule, "chat.completions", ask(pair.get(0)), BILLING, "key_1", "finance", false, BigDecimal.ZERO);
            assertThat(cache.fill(
                            rule,
                            first,
                            "billing",
                            "chat.completions",
                            "openai",
                            "gpt-4o-mini-2024-07-18",
                            ("{\"answer\":\"" + pair.get(0) + "\"}").getBytes(StandardCharsets.UTF_8),
                            new TokenUsage(60, 0, 0, 0, 40, 0),
                            new BigDecimal("0.000033"),
                            e -> {}))
                    .isTrue();

            ResponseCache.Lookup other = cache.lookup(
                    rule, "chat.completions", ask(pair.get(1)), BILLING, "key_1", "finance", false, BigDecimal.ZERO);

            assertThat(other.outcome())
                    .as("%s (similarity %s)", pair, other.similarity())
                    .isEqualTo(ResponseCache.Outcome.MISS);
        }
    }
}
