package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.cache.QuestionSimilarity;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ResponseCacheStore} must do. Extend it once per adapter: {@link #newStore()} over fresh, empty
 * storage and {@link #reopenStore()} a second instance over the same storage (a restarted gateway, another Lambda).
 */
public abstract class ResponseCacheStoreContract {
    protected static final Instant NOW = Instant.parse("2026-12-03T15:00:00Z");

    private ResponseCacheStore store;

    protected abstract ResponseCacheStore newStore();

    protected abstract ResponseCacheStore reopenStore();

    /** Whether the adapter keeps at most {@code maxEntries} per feature (one bounded by TTL alone says false). */
    protected boolean enforcesMaxEntries() {
        return true;
    }

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    protected static CachedAnswer answer(String key, String feature, Instant stored, long ttlSeconds) {
        return new CachedAnswer(
                key,
                feature,
                "chat.completions",
                "openai",
                "gpt-4o-mini-2024-07-18",
                ("{\"id\":\"" + key + "\",\"text\":\"caf\u00e9\"}").getBytes(StandardCharsets.UTF_8),
                new TokenUsage(1200, 200, 0, 0, 40, 0),
                new BigDecimal("0.000198000"),
                stored,
                stored.plusSeconds(ttlSeconds));
    }

    @Test
    void get_afterPut_returnsTheAnswerAsKept() {
        CachedAnswer a = answer("k1", "faq", NOW, 600);

        store.put(a, 100);

        CachedAnswer back = store.get("k1", NOW.plusSeconds(1)).orElseThrow();
        assertThat(back.body()).isEqualTo(a.body());
        assertThat(back.tokens()).isEqualTo(a.tokens());
        assertThat(back.costUsd()).isEqualByComparingTo(a.costUsd());
        assertThat(back.modelServed()).isEqualTo(a.modelServed());
        assertThat(back.feature()).isEqualTo("faq");
        assertThat(back.expiresAt()).isEqualTo(a.expiresAt());
    }

    @Test
    void get_unknownKey_isEmpty() {
        assertThat(store.get("nope", NOW)).isEmpty();
    }

    @Test
    void get_atOrAfterExpiry_isEmpty() {
        store.put(answer("k1", "faq", NOW, 600), 100);

        assertThat(store.get("k1", NOW.plusSeconds(599))).isPresent();
        assertThat(store.get("k1", NOW.plusSeconds(600))).isEmpty();
    }

    @Test
    void get_fromAnotherInstance_seesTheAnswer() {
        store.put(answer("k1", "faq", NOW, 600), 100);

        assertThat(reopenStore().get("k1", NOW)).isPresent();
    }

    @Test
    void put_pastTheFeaturesMaxEntries_dropsItsOldestFirst() {
        if (!enforcesMaxEntries()) {
            return;
        }
        for (int i = 0; i < 5; i++) {
            store.put(answer("k" + i, "faq", NOW.plusSeconds(i), 600), 3);
        }
        store.put(answer("other", "billing", NOW, 600), 3);

        assertThat(store.get("k0", NOW.plusSeconds(10))).isEmpty();
        assertThat(store.get("k1", NOW.plusSeconds(10))).isEmpty();
        assertThat(store.get("k4", NOW.plusSeconds(10))).isPresent();
        assertThat(store.get("other", NOW.plusSeconds(10))).isPresent();
    }

    @Test
    void put_aSlowAnswerFilledLast_isTheNewestFillAndTheOldestFillGoes() {
        if (!enforcesMaxEntries()) {
            return;
        }
        // the slow call asked first (stored_at is when a call asked) but its answer is filled after two quicker ones
        store.put(answer("quick1", "faq", NOW.plusSeconds(1), 600), 2);
        store.put(answer("quick2", "faq", NOW.plusSeconds(2), 600), 2);
        store.put(answer("slow", "faq", NOW, 600), 2);

        assertThat(store.get("slow", NOW.plusSeconds(3))).isPresent();
        assertThat(store.get("quick2", NOW.plusSeconds(3))).isPresent();
        assertThat(store.get("quick1", NOW.plusSeconds(3))).isEmpty();
    }

    @Test
    void similar_afterIndex_listsTheUnexpiredQuestionsNewestFirst() {
        SemanticEntry old = new SemanticEntry("k1", QuestionSimilarity.sketch("reset password"), NOW.plusSeconds(60));
        SemanticEntry fresh =
                new SemanticEntry("k2", QuestionSimilarity.sketch("opening hours 9"), NOW.plusSeconds(600));

        // as ResponseCache fills: the answer first, then its question in the index
        store.put(answer("k1", "faq", NOW, 60), 10);
        store.index("p1", old, 10, NOW);
        store.put(answer("k2", "faq", NOW.plusSeconds(1), 599), 10);
        store.index("p1", fresh, 10, NOW.plusSeconds(1));

        List<SemanticEntry> now = reopenStore().similar("p1", NOW.plusSeconds(2));
        assertThat(now).extracting(SemanticEntry::key).containsExactly("k2", "k1");
        assertThat(now.get(0).sketch().words()).isEqualTo(fresh.sketch().words());
        assertThat(now.get(0).sketch().numbers()).isEqualTo(fresh.sketch().numbers());
        assertThat(store.similar("p1", NOW.plusSeconds(61)))
                .extracting(SemanticEntry::key)
                .containsExactly("k2");
        assertThat(store.similar("p2", NOW)).isEmpty();
    }

    @Test
    void index_pastMaxPerPrefix_keepsTheNewest() {
        for (int i = 0; i < 6; i++) {
            store.index(
                    "p1",
                    new SemanticEntry("k" + i, QuestionSimilarity.sketch("q " + i), NOW.plusSeconds(600)),
                    4,
                    NOW.plusSeconds(i));
        }

        assertThat(store.similar("p1", NOW.plusSeconds(10)))
                .extracting(SemanticEntry::key)
                .containsExactly("k5", "k4", "k3", "k2");
    }
}
