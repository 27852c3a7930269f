package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplayMemoTest {
    private static final Instant NOW = Instant.parse("2026-12-03T15:00:00Z");

    private static CachedAnswer answer(String key, Instant stored, String text) {
        return new CachedAnswer(
                key,
                "faq",
                "chat.completions",
                "openai",
                "gpt-4o-mini",
                ("{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                                + "\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                new TokenUsage(10, 0, 0, 0, 5, 0),
                new BigDecimal("0.0001"),
                stored,
                stored.plusSeconds(600));
    }

    @Test
    void events_repeatedHitOnOneAnswer_buildsItsEventsOnce() {
        ReplayMemo memo = new ReplayMemo(1 << 20);
        AtomicInteger builds = new AtomicInteger();
        CachedAnswer a = answer("k1", NOW, "hello");

        byte[] first = memo.events(a, x -> {
            builds.incrementAndGet();
            return StreamReplay.sse(x.endpoint(), x.body());
        });
        byte[] second = memo.events(a, x -> {
            builds.incrementAndGet();
            return StreamReplay.sse(x.endpoint(), x.body());
        });

        assertThat(builds).hasValue(1);
        assertThat(second).isEqualTo(first);
        assertThat(new String(first, StandardCharsets.UTF_8)).contains("\"content\":\"hello\"");
    }

    @Test
    void events_withAndWithoutTheUsageChunk_areKeptApart() {
        ReplayMemo memo = new ReplayMemo(1 << 20);
        CachedAnswer a = answer("k1", NOW, "hello");

        byte[] with = memo.events(a, true, x -> "with".getBytes(StandardCharsets.UTF_8));
        byte[] without = memo.events(a, false, x -> "without".getBytes(StandardCharsets.UTF_8));

        assertThat(memo.events(a, true, x -> new byte[0])).isEqualTo(with);
        assertThat(memo.events(a, false, x -> new byte[0])).isEqualTo(without).isNotEqualTo(with);
    }

    @Test
    void events_answerStoredAgain_isBuiltFromTheNewAnswer() {
        ReplayMemo memo = new ReplayMemo(1 << 20);
        memo.events(answer("k1", NOW, "old"), x -> StreamReplay.sse(x.endpoint(), x.body()));

        byte[] again =
                memo.events(answer("k1", NOW.plusSeconds(700), "new"), x -> StreamReplay.sse(x.endpoint(), x.body()));

        assertThat(new String(again, StandardCharsets.UTF_8))
                .contains("\"content\":\"new\"")
                .doesNotContain("\"content\":\"old\"");
    }
}
