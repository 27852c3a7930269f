package dev.spendgate.domain.cache;

import static dev.spendgate.domain.cache.CacheKeysTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review of the semantic cache under hostile use (session 26, rev26d). The lookup runs on the request path before
 * admission (no budget, no velocity limit), and compares the question with up to 256 kept questions behind its prefix
 * (README: "Up to 256 questions are compared per prefix"). {@link QuestionSimilarity#similarity} checked word order
 * over every pair of shared words: quadratic in the question's length. A client whose feature has a semantic rule
 * filled a few long questions once (a 50,000-word question is about 100k tokens, which gpt-4o-mini and gpt-4.1
 * accept; about a cent each), then sent the same text without its last word as often as it liked: each such lookup
 * pinned a core for seconds per kept question (minutes for 16), before any budget or velocity limit was checked,
 * taking the gateway's CPU from every other tenant ("Hostile input never takes capacity from others").
 *
 * <p>Now a question of more than {@value QuestionSimilarity#MAX_WORDS} words is matched exactly only (README,
 * "Semantic"): the near-copy is a miss, as no semantic comparison of it is made, and a sketch never holds more than
 * that many words. Only behaviour is asserted, no time: with the quadratic comparison the near-copy would be a hit.
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

    /** {@code count} distinct content words ("zqa", "zqb", ...: no stop word, no question word, nothing stemmed). */
    private static String words(int from, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            text.append('z').append(word(i).substring(1)).append("q ");
        }
        return text.toString();
    }

    private static ObjectNode ask(String question) {
        ObjectNode body = (ObjectNode) json("{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":"
                + "\"system\",\"content\":\"Summarise the user's notes.\"},{\"role\":\"user\",\"content\":\"\"}]}");
        ((ObjectNode) body.get("messages").get(1)).put("content", question);
        return body;
    }

    private static CacheRule rule() {
        return new CacheRule(
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
    }

    private static ResponseCache.Lookup lookup(ResponseCache cache, String question) {
        return cache.lookup(rule(), "chat.completions", ask(question), NOTES, "key_1", "ops", false, BigDecimal.ZERO);
    }

    private static void fill(ResponseCache cache, String question) {
        assertThat(cache.fill(
                        rule(),
                        lookup(cache, question),
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

    @Test
    void semanticLookup_nearCopyOfLongQuestionsKept_isMatchedExactlyOnly() {
        ResponseCache cache = new ResponseCache(
                new MemoryStore(), new ResponseCacheTest.MutableClock(Instant.parse("2026-12-06T10:00:00Z")));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < WORDS; i++) {
            text.append(word(i)).append(' ');
        }
        String base = text.toString();
        for (int k = 0; k < KEPT; k++) {
            // each kept question is the base text and one word of its own: all behind one prefix
            fill(cache, base + "zz" + word(k));
        }

        ResponseCache.Lookup nearCopy = lookup(cache, base);
        ResponseCache.Lookup repeat = lookup(cache, base + "zz" + word(3));

        assertThat(nearCopy.outcome())
                .as("a near-copy of a question over %s words is not compared", QuestionSimilarity.MAX_WORDS)
                .isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(repeat.outcome()).as("the same long question again").isEqualTo(ResponseCache.Outcome.HIT);
        assertThat(repeat.similarity()).isEqualTo(1.0);
    }

    @Test
    void semanticLookup_questionsUpToTheBound_areStillComparedAndNoLonger() {
        ResponseCache cache = new ResponseCache(
                new MemoryStore(), new ResponseCacheTest.MutableClock(Instant.parse("2026-12-06T10:00:00Z")));
        int max = QuestionSimilarity.MAX_WORDS;
        fill(cache, words(0, max)); // at the bound
        fill(cache, words(10_000, max + 1)); // one word over

        ResponseCache.Lookup atTheBound = lookup(cache, words(0, max - 1));
        ResponseCache.Lookup overTheBound = lookup(cache, words(10_000, max));

        assertThat(atTheBound.outcome()).isEqualTo(ResponseCache.Outcome.HIT);
        assertThat(atTheBound.similarity()).isEqualTo((max - 1) / (double) max);
        assertThat(overTheBound.outcome()).isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(QuestionSimilarity.sketch(words(0, max)).words()).hasSize(max);
        assertThat(QuestionSimilarity.sketch(words(0, max + 1)).isEmpty())
                .as("a sketch keeps at most %s words", max)
                .isTrue();
    }
}
