package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature names are the clients' ({@code X-Cost-Feature}), and under a {@code *} cache rule each has its own
 * {@code max_entries}: the local cache also bounds its answers in all, the oldest fill deleted first.
 */
class CacheTotalBoundTest {
    private static final Instant T0 = Instant.parse("2026-12-06T09:00:00Z");

    @TempDir
    Path dir;

    @Test
    void answersUnderInventedFeatureNames_keepTheNewestUpToTheTotalBound() throws IOException {
        FileResponseCacheStore store =
                new FileResponseCacheStore(dir.resolve("cache"), 0, 50, FileResponseCacheStore.DEFAULT_MAX_BYTES);
        for (int i = 0; i < 200; i++) {
            store.put(answer("q" + i, "invented-" + i, T0.plusSeconds(i)), 10_000);
        }

        assertThat(answerFiles())
                .as("answer files after 200 fills under 200 feature names")
                .isEqualTo(50);
        Instant now = T0.plusSeconds(300);
        assertThat(store.get("q199", now)).as("the newest fill").isPresent();
        assertThat(store.get("q150", now)).as("the oldest fill kept").isPresent();
        assertThat(store.get("q149", now)).as("the newest fill dropped").isEmpty();

        FileResponseCacheStore smaller =
                new FileResponseCacheStore(dir.resolve("cache"), 0, 10, FileResponseCacheStore.DEFAULT_MAX_BYTES);
        assertThat(answerFiles()).as("after a restart with a lower bound").isEqualTo(10);
        assertThat(smaller.get("q190", now)).isPresent();
        assertThat(smaller.get("q189", now)).isEmpty();
    }

    @Test
    void answersPastTheByteBound_theOldestFillsAreDropped() throws IOException {
        FileResponseCacheStore store = new FileResponseCacheStore(dir.resolve("cache"), 0, 100_000, 20_000);
        for (int i = 0; i < 40; i++) {
            store.put(answer("q" + i, "faq", T0.plusSeconds(i)), 10_000);
        }

        long bytes;
        try (Stream<Path> files = Files.walk(dir.resolve("cache/answers"))) {
            bytes = files.filter(p -> p.toString().endsWith(".json"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        assertThat(bytes).as("bytes of answer files").isLessThanOrEqualTo(20_000);
        assertThat(store.get("q39", T0.plusSeconds(60))).as("the newest fill").isPresent();
        assertThat(store.get("q0", T0.plusSeconds(60))).as("the oldest fill").isEmpty();
    }

    private long answerFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("cache/answers"))) {
            return files.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    private static CachedAnswer answer(String key, String feature, Instant stored) {
        return new CachedAnswer(
                key,
                feature,
                "chat.completions",
                "openai",
                "gpt-4o-mini-2024-07-18",
                ("{\"id\":\"" + key + "\",\"text\":\"" + "an answer ".repeat(100) + "\"}")
                        .getBytes(StandardCharsets.UTF_8),
                new TokenUsage(1200, 0, 0, 0, 40, 0),
                new BigDecimal("0.000204000"),
                stored,
                stored.plusSeconds(3600));
    }
}
