package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One answer filled while the machine's clock ran far ahead (a VM started before NTP set it: the case
 * LedgerClockAheadAtStartTest guards the ledger against) makes the start delete every answer that expires before that
 * fill's stored_at, though none of them has expired by the corrected clock. Yesterday's store kept them.
 */
class CacheClockAheadFillReviewTest {
    private static final Instant NOW = Instant.parse("2026-12-06T09:00:00Z");

    @TempDir
    Path dir;

    @Test
    void oneFillUnderAClockFarAhead_doesNotDeleteTheOtherLiveAnswersAtTheNextStart() {
        FileResponseCacheStore store = new FileResponseCacheStore(dir.resolve("cache"), 0);
        for (int i = 0; i < 20; i++) {
            store.put(answer("live" + i, "faq", NOW.minus(Duration.ofMinutes(5)), Duration.ofDays(7)), 10_000);
        }
        // the clock a month ahead for a minute at boot: one fill made then
        store.put(answer("ahead", "faq", NOW.plus(Duration.ofDays(30)), Duration.ofHours(1)), 10_000);

        FileResponseCacheStore restarted = new FileResponseCacheStore(dir.resolve("cache"), 0);
        // by the corrected clock the 20 answers have 7 days to live
        assertThat(restarted.get("live0", NOW.plusSeconds(60))).isPresent();
    }

    private static CachedAnswer answer(String key, String feature, Instant stored, Duration ttl) {
        return new CachedAnswer(
                key,
                feature,
                "chat.completions",
                "openai",
                "gpt-4o-mini-2024-07-18",
                ("{\"id\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8),
                new TokenUsage(1200, 0, 0, 0, 40, 0),
                new BigDecimal("0.000204000"),
                stored,
                stored.plus(ttl));
    }
}
