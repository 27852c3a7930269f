package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Final review (session 28, final28b) of 480a01f3 "Replay a cached answer's citations to a streamed repeat". A kept
 * answer with no stream replay (a Chat Completions {@code message.audio}, or a message field Spendgate does not know,
 * such as the {@code reasoning} text OpenRouter, Groq and Ollama return) is remembered in the replay memo as no events
 * "so repeats parse it once". The memo is "bounded by bytes" (8 MB in {@link Optimizations}) and counts the events'
 * bytes: such an entry counts 0 while it keeps the whole kept answer ({@code Built.from}), so these entries never push
 * the memo over its bound and are never dropped, not even after their cache entry expired. Before 480a01f3 every
 * entry counted its events (a few hundred bytes at least), so the memo dropped the least recently used; now each
 * distinct answer of this kind a streamed repeat touched stays on a long-running gateway's heap for good.
 */
class ReplayMemoNoReplayReviewTest {
    private static final Instant STORED = Instant.parse("2026-12-06T10:00:00Z");
    /** 20,000 kept answers of some 640 bytes: 12.8 MB, past the memo's 8 MB. */
    private static final int ANSWERS = 20_000;

    @Test
    void serve_streamedHitsOnAnswersWithoutAReplay_keepTheMemoWithinItsBytes() {
        Optimizations optimizations = Optimizations.none(Clock.fixed(STORED, ZoneOffset.UTC));
        long held = 0;
        for (int i = 0; i < ANSWERS; i++) {
            CachedAnswer a = answer("k" + i, reasoningBody(i));
            held += a.body().length;
            assertThat(optimizations.serve(a, true, false)).isEmpty(); // served as a miss: no replay
        }
        assertThat(held).isGreaterThan(12_000_000L);

        // k0 is the least recently used: a memo within its 8 MB has dropped it and builds it anew. Probed with the
        // same key and stored_at over a body that has a replay: still remembered, it answers "no replay"
        CachedAnswer probe = answer("k0", textBody());
        assertThat(optimizations.serve(probe, true, false))
                .as("k0's entry outlived %,d bytes of later kept answers, each counted as 0 bytes", held)
                .isPresent();
    }

    private static CachedAnswer answer(String key, String body) {
        return new CachedAnswer(
                key,
                "support",
                "chat.completions",
                "openrouter",
                "deepseek/deepseek-r1",
                body.getBytes(StandardCharsets.UTF_8),
                new TokenUsage(10, 0, 0, 0, 5, 0),
                new BigDecimal("0.001"),
                STORED,
                STORED.plusSeconds(3600));
    }

    /** OpenRouter's shape for a reasoning model: {@code reasoning} beside the content. */
    private static String reasoningBody(int i) {
        return """
                {"id":"gen-%d","object":"chat.completion","created":1764774000,"model":"deepseek/deepseek-r1",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Answer %d.","refusal":null,
                   "reasoning":"%s"},"finish_reason":"stop"}]}
                """.formatted(i, i, "The user asks a question; think it through. ".repeat(11));
    }

    private static String textBody() {
        return """
                {"id":"gen-t","object":"chat.completion","created":1764774000,"model":"deepseek/deepseek-r1",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}]}
                """;
    }
}
