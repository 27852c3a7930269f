package dev.spendgate.domain.cache;

import static dev.spendgate.domain.cache.CacheKeysTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
    private static final Attribution FAQ = new Attribution("faq", "support", null, "prod", null, null, null);
    private static final String LONG_SYSTEM = "You are the help desk of Acme. ".repeat(300);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T15:00:00Z"));
    private final MemoryStore store = new MemoryStore();
    private final ResponseCache cache = new ResponseCache(store, clock);

    private static CacheRule rule(CacheRule.Mode mode) {
        return new CacheRule(
                "faq",
                mode,
                Duration.ofMinutes(10),
                100,
                10_000,
                new BigDecimal("0.90"),
                CacheRule.Share.KEY,
                null,
                false,
                null);
    }

    private static JsonNode ask(String question) {
        return json("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"temperature\":0,\"system\":\"" + LONG_SYSTEM
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}");
    }

    private ResponseCache.Lookup lookup(CacheRule rule, JsonNode body) {
        return cache.lookup(
                rule,
                "messages",
                body,
                FAQ,
                "key_1",
                null,
                false,
                body.path("temperature").isMissingNode()
                        ? null
                        : body.get("temperature").decimalValue());
    }

    private void fill(CacheRule rule, ResponseCache.Lookup missed, String answer) {
        List<RuntimeException> errors = new ArrayList<>();
        assertThat(cache.fill(
                        rule,
                        missed,
                        "faq",
                        "messages",
                        "anthropic",
                        "claude-sonnet-4-5-20250929",
                        answer.getBytes(StandardCharsets.UTF_8),
                        new TokenUsage(2000, 0, 0, 0, 50, 0),
                        new BigDecimal("0.00675"),
                        errors::add))
                .isTrue();
        assertThat(errors).isEmpty();
    }

    @Test
    void lookup_exactRepeat_isAHitWithTheFirstAnswersCost() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        ResponseCache.Lookup first = lookup(rule, ask("How do I reset my password?"));
        fill(rule, first, "{\"answer\":1}");

        ResponseCache.Lookup second = lookup(rule, ask("How do I reset my password?"));

        assertThat(first.outcome()).isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(second.outcome()).isEqualTo(ResponseCache.Outcome.HIT);
        assertThat(new String(second.answer().body(), StandardCharsets.UTF_8)).isEqualTo("{\"answer\":1}");
        assertThat(second.answer().costUsd()).isEqualByComparingTo("0.00675");
    }

    @Test
    void lookup_exactModeParaphrase_isAMiss() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        fill(rule, lookup(rule, ask("How do I reset my password?")), "{}");

        assertThat(lookup(rule, ask("How can I reset my password?")).outcome()).isEqualTo(ResponseCache.Outcome.MISS);
    }

    @Test
    void lookup_semanticParaphraseBehindTheSamePrompt_isAHit() {
        CacheRule rule = rule(CacheRule.Mode.SEMANTIC);
        fill(rule, lookup(rule, ask("How do I reset my password?")), "{\"answer\":\"reset\"}");

        ResponseCache.Lookup paraphrase = lookup(rule, ask("how can I reset my password, please?"));

        assertThat(paraphrase.outcome()).isEqualTo(ResponseCache.Outcome.HIT);
        assertThat(paraphrase.similarity()).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void lookup_semanticDifferentQuestionsBehindTheSameLongPrompt_neverHit() {
        CacheRule rule = rule(CacheRule.Mode.SEMANTIC);
        for (List<String> pair : QuestionSimilarityTest.DIFFERENT_QUESTIONS) {
            fill(rule, lookup(rule, ask(pair.get(0).replace("'", ""))), "{}");

            assertThat(lookup(rule, ask(pair.get(1).replace("'", ""))).outcome())
                    .as(pair.toString())
                    .isEqualTo(ResponseCache.Outcome.MISS);
        }
    }

    @Test
    void lookup_semanticQuestionsWithTheirDirectionReversed_neverHit() {
        // the same content words in another order, or behind another of "to/from/into": another question
        List<List<String>> reversed = List.of(
                List.of("Convert 100 USD to EUR", "Convert 100 EUR to USD"),
                List.of("Is 3 bigger than 5?", "Is 5 bigger than 3?"),
                List.of("Translate good morning into French", "Translate good morning from French"),
                List.of("Move the meeting from Monday to Friday", "Move the meeting from Friday to Monday"));
        CacheRule rule = rule(CacheRule.Mode.SEMANTIC);
        for (List<String> pair : reversed) {
            fill(rule, lookup(rule, ask(pair.get(0))), "{\"answer\":\"" + pair.get(0) + "\"}");

            ResponseCache.Lookup other = lookup(rule, ask(pair.get(1)));

            assertThat(other.outcome())
                    .as(pair + " served "
                            + (other.answer() == null
                                    ? ""
                                    : new String(other.answer().body())))
                    .isEqualTo(ResponseCache.Outcome.MISS);
        }
    }

    @Test
    void lookup_semanticSameQuestionBehindAnotherSystemPrompt_isAMiss() {
        CacheRule rule = rule(CacheRule.Mode.SEMANTIC);
        fill(rule, lookup(rule, ask("How do I reset my password?")), "{}");
        JsonNode other = json("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"temperature\":0,"
                + "\"system\":\"You are a bank.\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"How can I reset my password?\"}]}");

        assertThat(lookup(rule, other).outcome()).isEqualTo(ResponseCache.Outcome.MISS);
    }

    @Test
    void lookup_afterTheTtl_isAMiss() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        fill(rule, lookup(rule, ask("How do I reset my password?")), "{}");

        clock.advance(Duration.ofMinutes(10));

        assertThat(lookup(rule, ask("How do I reset my password?")).outcome()).isEqualTo(ResponseCache.Outcome.MISS);
    }

    @Test
    void lookup_ttlLoweredSinceTheFill_answersOlderThanTheNewTtlAreMisses() {
        CacheRule exact = rule(CacheRule.Mode.EXACT);
        CacheRule semantic = rule(CacheRule.Mode.SEMANTIC);
        fill(exact, lookup(exact, ask("How do I reset my password?")), "{}");
        fill(semantic, lookup(semantic, ask("What are your opening hours on Saturday?")), "{}");
        clock.advance(Duration.ofMinutes(2)); // the answers were kept for 10 minutes

        CacheRule exactNow = withTtl(exact, Duration.ofMinutes(1));
        CacheRule semanticNow = withTtl(semantic, Duration.ofMinutes(1));

        assertThat(lookup(exactNow, ask("How do I reset my password?")).outcome())
                .isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(lookup(semanticNow, ask("What are the opening hours on Saturdays?"))
                        .outcome())
                .isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(lookup(withTtl(exact, Duration.ofMinutes(3)), ask("How do I reset my password?"))
                        .outcome())
                .as("within the new TTL")
                .isEqualTo(ResponseCache.Outcome.HIT);
    }

    private static CacheRule withTtl(CacheRule r, Duration ttl) {
        return new CacheRule(
                r.feature(),
                r.mode(),
                ttl,
                r.maxEntries(),
                r.maxEntryBytes(),
                r.threshold(),
                r.share(),
                r.maxTemperature(),
                r.anyTemperature(),
                null);
    }

    @Test
    void lookup_noCacheOrHotTemperature_isABypass() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        fill(rule, lookup(rule, ask("q")), "{}");

        ResponseCache.Lookup noCache =
                cache.lookup(rule, "messages", ask("q"), FAQ, "key_1", null, true, BigDecimal.ZERO);
        ResponseCache.Lookup hot = cache.lookup(rule, "messages", ask("q"), FAQ, "key_1", null, false, BigDecimal.ONE);

        assertThat(noCache.outcome()).isEqualTo(ResponseCache.Outcome.BYPASS);
        assertThat(noCache.reason()).isEqualTo("no-cache");
        assertThat(hot.outcome()).isEqualTo(ResponseCache.Outcome.BYPASS);
        assertThat(hot.reason()).isEqualTo("temperature");
    }

    @Test
    void lookup_anotherKeyOfTheFeature_isAMiss() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        fill(rule, lookup(rule, ask("q")), "{}");

        assertThat(cache.lookup(rule, "messages", ask("q"), FAQ, "key_2", null, false, BigDecimal.ZERO)
                        .outcome())
                .isEqualTo(ResponseCache.Outcome.MISS);
    }

    @Test
    void fill_answerLargerThanTheLimit_isNotKept() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        ResponseCache.Lookup missed = lookup(rule, ask("q"));

        boolean kept = cache.fill(
                rule,
                missed,
                "faq",
                "messages",
                "anthropic",
                "m",
                new byte[10_001],
                TokenUsage.ZERO,
                BigDecimal.ZERO,
                e -> {});

        assertThat(kept).isFalse();
        assertThat(lookup(rule, ask("q")).outcome()).isEqualTo(ResponseCache.Outcome.MISS);
    }

    @Test
    void lookup_failingStore_isAMissCarryingTheError() {
        CacheRule rule = rule(CacheRule.Mode.EXACT);
        store.failure = new IllegalStateException("disk gone");

        ResponseCache.Lookup l = lookup(rule, ask("q"));

        assertThat(l.outcome()).isEqualTo(ResponseCache.Outcome.MISS);
        assertThat(l.storeError()).hasMessage("disk gone");
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
