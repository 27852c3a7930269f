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
 * Review of the semantic cache (session 26, rev26d). README, "Semantic": "Who does what to whom is kept too: when both
 * questions have personal pronouns, shared words that a pronoun separates must come in the same order ('Can my manager
 * read my messages?' is not 'Can I read my manager's messages?')". The pronouns themselves are stop words, so a
 * question whose subject and object swap places ("Did I send you the invoice?", "Did you send me the invoice?") keeps
 * the same content words in the same order and scores 1.0: the one is served the other's answer.
 */
class PronounSwapReviewTest {
    private static final Attribution BILLING = new Attribution("billing", "finance", null, "prod", null, null, null);
    private static final String SYSTEM = "You are the billing assistant of Acme's supplier portal. ";

    static final List<List<String>> SWAPPED = List.of(
            List.of("Did I send you the invoice?", "Did you send me the invoice?"),
            List.of("Do I owe you money?", "Do you owe me money?"),
            List.of("Is it legal for you to record my calls?", "Is it legal for me to record your calls?"),
            List.of("Have you received my payment?", "Have I received your payment?"));

    private static double similarity(String a, String b) {
        return QuestionSimilarity.similarity(QuestionSimilarity.sketch(a), QuestionSimilarity.sketch(b));
    }

    private static JsonNode ask(String question) {
        return json("{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\""
                + SYSTEM + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}");
    }

    @Test
    void semanticLookup_subjectAndObjectSwapped_isAMiss() {
        CacheRule rule = new CacheRule(
                "billing",
                CacheRule.Mode.SEMANTIC,
                Duration.ofMinutes(10),
                100,
                10_000,
                new BigDecimal("0.95"),
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

            ResponseCache.Lookup swapped = cache.lookup(
                    rule, "chat.completions", ask(pair.get(1)), BILLING, "key_1", "finance", false, BigDecimal.ZERO);

            assertThat(swapped.outcome())
                    .as("who does what to whom: %s (similarity %s)", pair, swapped.similarity())
                    .isEqualTo(ResponseCache.Outcome.MISS);
            assertThat(similarity(pair.get(0), pair.get(1))).as(pair.toString()).isLessThan(0.85);
        }
    }
}
