package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A day's peaks of sessions that had no scope when they were seen (orphan peaks) are stored after the day's scopes
 * and merged after them: they count for a scope an earlier day created, not for one the same day created later.
 */
class RetryMergeTest {
    private static final Instant T = Instant.parse("2026-10-02T10:00:00Z");
    private static final WasteWindow WINDOW = new WasteWindow(T.minusSeconds(86_400), T.plusSeconds(3 * 86_400));

    @Test
    void absorb_orphanPeakOfAScopeCreatedTheSameDay_doesNotCount() {
        RetryDetector merge = new RetryDetector();

        merge.absorb(new RetryDetector.DayState(List.of(scope(25)), Map.of("s1\u0000chat", 40L)));

        assertThat(peak(merge)).isEqualTo("25");
    }

    @Test
    void absorb_orphanPeakOfAScopeOfAnEarlierDay_counts() {
        RetryDetector merge = new RetryDetector();
        merge.absorb(new RetryDetector.DayState(List.of(scope(25)), Map.of()));

        merge.absorb(new RetryDetector.DayState(List.of(scope(30)), Map.of("s1\u0000chat", 40L)));

        assertThat(peak(merge)).isEqualTo("40");
    }

    private static RetryDetector.ScopeState scope(long peak) {
        Tally.State tally = new Tally.State(3, 3, new BigDecimal("0.03"), T, T.plusSeconds(10), List.of("r1"));
        return new RetryDetector.ScopeState("session", "s1", "chat", tally, 0, 0, 0, 3, peak);
    }

    private static String peak(RetryDetector merge) {
        return merge.findings(WINDOW).get(0).evidence().details().get("peak_calls_per_minute");
    }
}
