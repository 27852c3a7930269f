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
 * Review of the semantic cache (session 26, rev26d). README, "Semantic": "A word swapped for another (each question
 * has a content word the other lacks) is another question at any length". A one-letter name is a word users swap all
 * the time ("plan A" / "plan B", "option A", "the S in HTTPS", the "US" against the "UK", the "IT team"), but "a", "s", "t", "us" and "it" are stop words (the article, the
 * leftovers of "it's" and "don't"): "plan A" is read as "plan", so "plan A" against "plan B" is a word added, not one
 * swapped, and a long enough question about plan B is served the answer about plan A (and "Is plan A cheaper than
 * plan B?" the answer to "Is plan B cheaper than plan A?").
 */
class OneLetterNameReviewTest {
    private static final Attribution SALES = new Attribution("pricing-bot", "sales", null, "prod", null, null, null);

    static final List<List<String>> SWAPPED = List.of(
            List.of(
                    "Does plan A include SSO, audit logs, priority support, custom domains and a dedicated manager?",
                    "Does plan B include SSO, audit logs, priority support, custom domains and a dedicated manager?"),
            List.of("Is plan B cheaper than plan A?", "Is plan A cheaper than plan B?"),
            List.of("What does the S in HTTPS stand for?", "What does the T in HTTPS stand for?"),
            // the same stop words as names: "US" is read as "us", "IT" as "it"
            List.of(
                    "Do you offer free shipping, free returns, gift wrapping, price matching and exchanges in the UK?",
                    "Do you offer free shipping, free returns, gift wrapping, price matching and exchanges in the US?"),
            List.of(
                    "Who approves laptop, monitor, software licence and cloud budget requests for the HR team?",
                    "Who approves laptop, monitor, software licence and cloud budget requests for the IT team?"));

    private static JsonNode ask(String question) {
        return json("{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You answer questions about Acme's plans.\"},{\"role\":\"user\",\"content\":\"" + question
                + "\"}]}");
    }

    @Test
    void semanticLookup_oneLetterNameSwapped_isAMiss() {
        // the README's example rule: threshold 0.90
        CacheRule rule = new CacheRule(
                "pricing-bot",
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
                    rule, "chat.completions", ask(pair.get(0)), SALES, "key_1", "sales", false, BigDecimal.ZERO);
            assertThat(cache.fill(
                            rule,
                            first,
                            "pricing-bot",
                            "chat.completions",
                            "openai",
                            "gpt-4o-mini-2024-07-18",
                            ("{\"answer\":\"" + pair.get(0) + "\"}").getBytes(StandardCharsets.UTF_8),
                            new TokenUsage(60, 0, 0, 0, 40, 0),
                            new BigDecimal("0.000033"),
                            e -> {}))
                    .isTrue();

            ResponseCache.Lookup other = cache.lookup(
                    rule, "chat.completions", ask(pair.get(1)), SALES, "key_1", "sales", false, BigDecimal.ZERO);

            assertThat(other.outcome())
                    .as("%s (similarity %s)", pair, other.similarity())
                    .isEqualTo(ResponseCache.Outcome.MISS);
        }
    }
}
