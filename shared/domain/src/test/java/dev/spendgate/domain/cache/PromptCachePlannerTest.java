package dev.spendgate.domain.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PromptCachePlannerTest {
    private static final Instant T0 = Instant.parse("2026-12-03T15:00:00Z");
    private final PromptCachePlanner planner = new PromptCachePlanner();

    @Test
    void plan_longPrefixSeenAgainWithinFiveMinutes_getsTheFiveMinuteBreakpoint() {
        assertThat(planner.plan("p1", 3000, 1024, T0)).isEmpty();

        assertThat(planner.plan("p1", 3000, 1024, T0.plusSeconds(60))).contains(PromptCachePlanner.Ttl.FIVE_MINUTES);
    }

    @Test
    void plan_reuseGapBetweenFiveMinutesAndAnHour_getsTheOneHourBreakpoint() {
        planner.plan("p1", 3000, 1024, T0);

        assertThat(planner.plan("p1", 3000, 1024, T0.plusSeconds(20 * 60))).contains(PromptCachePlanner.Ttl.ONE_HOUR);
    }

    @Test
    void plan_reuseGapOverAnHour_getsNone() {
        planner.plan("p1", 3000, 1024, T0);

        assertThat(planner.plan("p1", 3000, 1024, T0.plusSeconds(2 * 3600))).isEmpty();
    }

    @Test
    void plan_shortOrChangingPrefix_getsNone() {
        planner.plan("short", 500, 1024, T0);
        assertThat(planner.plan("short", 500, 1024, T0.plusSeconds(10))).isEmpty();

        for (int i = 0; i < 10; i++) {
            assertThat(planner.plan("changing-" + i, 3000, 1024, T0.plusSeconds(i)))
                    .isEmpty();
        }
    }
}
