package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local response cache as an operations team runs it for months: answers whose TTL ({@code ttl_seconds}, at most 7
 * days) ran out and that no call asks for again. In AWS the table's {@code expires_at} TTL deletes them; locally they
 * are only deleted "when met", so an answer nobody asks for again (a one-off question, or a feature name that was
 * used once: every value under a {@code *} rule has its own {@code max_entries}) stays on disk, and every restart
 * reads it back into memory.
 */
class CacheDiskGrowthReviewTest {
    private static final Instant MONDAY = Instant.parse("2026-11-02T09:00:00Z");

    @TempDir
    Path dir;

    @Test
    void answersExpiredWeeksAgo_areGoneFromTheDataDirectory_afterLaterFillsAndARestart() throws IOException {
        FileResponseCacheStore store = new FileResponseCacheStore(dir.resolve("cache"));
        // a week of one-off questions, one-hour TTL (the default), each under its own run-named feature
        for (int i = 0; i < 200; i++) {
            store.put(answer("q" + i, "nightly-run-" + i, MONDAY.plus(Duration.ofMinutes(i)), 3600), 10_000);
        }
        // five weeks later the gateway is restarted and keeps answering
        Instant later = MONDAY.plus(Duration.ofDays(35));
        FileResponseCacheStore restarted = new FileResponseCacheStore(dir.resolve("cache"));
        for (int i = 0; i < 5; i++) {
            restarted.put(answer("new" + i, "faq", later.plusSeconds(i), 3600), 10_000);
            assertThat(restarted.get("never-asked-" + i, later.plusSeconds(i))).isEmpty();
        }
        new FileResponseCacheStore(dir.resolve("cache")); // and once more

        // every answer of five weeks ago expired 34 days ago: none of them may still be kept
        assertThat(answerFiles())
                .as("answer files under cache/answers five weeks after their 1-hour TTL ran out")
                .isEqualTo(5);
    }

    private long answerFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("cache/answers"))) {
            return files.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    private static CachedAnswer answer(String key, String feature, Instant stored, long ttlSeconds) {
        return new CachedAnswer(
                key,
                feature,
                "chat.completions",
                "openai",
                "gpt-4o-mini-2024-07-18",
                ("{\"id\":\"" + key + "\",\"text\":\"an answer\"}").getBytes(StandardCharsets.UTF_8),
                new TokenUsage(1200, 0, 0, 0, 40, 0),
                new BigDecimal("0.000204000"),
                stored,
                stored.plusSeconds(ttlSeconds));
    }
}
