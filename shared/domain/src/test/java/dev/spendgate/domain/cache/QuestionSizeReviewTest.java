package dev.spendgate.domain.cache;

import static dev.spendgate.domain.cache.CacheKeysTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Review of the semantic cache under hostile use (session 26, rev26d). The lookup runs on the request path before
 * admission (no budget, no velocity limit), and compares the question with up to 256 kept questions behind its prefix
 * (README: "Up to 256 questions are compared per prefix"). {@link QuestionSimilarity#similarity} checks word order
 * over every pair of shared words ({@code reversed}): quadratic in the question's length. A client whose feature has a
 * semantic rule fills a few long questions once (a 50,000-word question is about 100k tokens, which gpt-4o-mini and
 * gpt-4.1 accept; about a cent each), then sends the same text without its last word as often as it likes: each such
 * lookup pins a core for seconds per kept question, before any budget or velocity limit is checked, taking the
 * gateway's CPU from every other tenant ("Hostile input never takes capacity from others").
 *
 * <p>The guard below is not a measurement: comparing 16 questions of 50,000 words is a few million steps when linear
 * (well under a second), and about 16 x 1.25e9 pair checks as written (minutes on this machine).
 */
class QuestionSizeReviewTest {
    private static final Attribution NOTES = new Attribution("notes", "ops", null, "prod", null, null, null);
    private static final int WORDS = 50_000;
    private static final int KEPT = 16;

    private static String word(int i) {
        StringBuilder s = new StringBuilder("w");
        do {
            s.append((char) ('a' + i % 26));
            i /= 26;
        } while (i > 0);
        return s.toString();
    }

    private static ObjectNode ask(String question) {
        ObjectNode body = (ObjectNode) json("{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":"
                + "\"system\",\"content\":\"Summarise the user's notes.\"},{\"role\":\"user\",\"content\":\"\"}]}");
        ((ObjectNode) body.get("messages").get(1)).put("content", question);
        return body;
    }

    @Test
    @Disabled("DEFECT R26D-3: one semantic lookup of a long question pins a core for minutes before any budget check")
    void semanticLookup_longQuestionsKept_comparesInLinearTime() {
        CacheRule rule = new CacheRule(
                "notes",
                CacheRule.Mode.SEMANTIC,
                Duration.ofMinutes(10),
                1000,
                10_000,
                new BigDecimal("0.90"),
                CacheRule.Share.KEY,
                null,
                false,
                null);
        ResponseCache cache = new ResponseCache(
                new MemoryStore(), new ResponseCacheTest.MutableClock(Instant.parse("2026-12-06T10:00:00Z")));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < WORDS; i++) {
            text.append(word(i)).append(' ');
        }
        String base = text.toString();
        for (int k = 0; k < KEPT; k++) {
            // each kept question is the base text and one word of its own: all behind one prefix
            ResponseCache.Lookup missed = cache.lookup(
                    rule,
                    "chat.completions",
                    ask(base + "zz" + word(k)),
                    NOTES,
                    "key_1",
                    "ops",
                    false,
                    BigDecimal.ZERO);
            assertThat(cache.fill(
                            rule,
                            missed,
                            "notes",
                            "chat.completions",
                            "openai",
                            "gpt-4o-mini-2024-07-18",
                            "{\"ok\":1}".getBytes(StandardCharsets.UTF_8),
                            new TokenUsage(100_000, 0, 0, 0, 1, 0),
                            new BigDecimal("0.015"),
                            e -> {}))
                    .isTrue();
        }

        ResponseCache.Lookup probe = assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> cache.lookup(rule, "chat.completions", ask(base), NOTES, "key_1", "ops", false, BigDecimal.ZERO));

        assertThat(probe.outcome()).isEqualTo(ResponseCache.Outcome.HIT);
    }
}
