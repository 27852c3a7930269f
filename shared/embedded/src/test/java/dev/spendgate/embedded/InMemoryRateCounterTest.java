package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.RateCounter;
import dev.spendgate.testing.contract.RateCounterContract;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class InMemoryRateCounterTest extends RateCounterContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");

    @Override
    protected RateCounter newCounter() {
        return new InMemoryRateCounter();
    }

    @Test
    void incrementIfBelow_afterExpiresAt_startsAgainFromOne() {
        MutableClock clock = new MutableClock(T0);
        InMemoryRateCounter counter = new InMemoryRateCounter(clock);
        assertThat(counter.incrementIfBelow("rate#k", 1, T0.plusSeconds(60))).isEqualTo(1);
        assertThat(counter.incrementIfBelow("rate#k", 1, T0.plusSeconds(60))).isEqualTo(-1);

        clock.advance(Duration.ofSeconds(61));

        assertThat(counter.incrementIfBelow("rate#k", 1, T0.plusSeconds(120))).isEqualTo(1);
    }

    @Test
    void incrementIfBelow_afterTheSweepInterval_dropsExpiredCounters() {
        MutableClock clock = new MutableClock(T0);
        InMemoryRateCounter counter = new InMemoryRateCounter(clock);
        for (int i = 0; i < 100; i++) {
            counter.incrementIfBelow("rate#session-" + i, 10, T0.plusSeconds(60));
        }
        counter.incrementIfBelow("rate#long", 10, T0.plusSeconds(3600));
        assertThat(counter.size()).isEqualTo(101);

        clock.advance(Duration.ofSeconds(61));
        counter.incrementIfBelow("rate#next", 10, T0.plusSeconds(120));

        assertThat(counter.size()).isEqualTo(2);
        assertThat(counter.incrementIfBelow("rate#long", 10, T0.plusSeconds(3600)))
                .isEqualTo(2);
    }

    @Test
    void clockSteppedBackAnHour_expiredCountersAreStillDropped() {
        MutableClock clock = new MutableClock(T0);
        InMemoryRateCounter counter = new InMemoryRateCounter(clock);
        counter.incrementIfBelow("rate#first", 10, T0.plusSeconds(60)); // the first sweep ran here

        clock.advance(Duration.ofHours(-1)); // NTP corrects a clock that ran an hour ahead
        for (int i = 0; i < 100; i++) {
            counter.incrementIfBelow("rate#session-" + i, 10, clock.instant().plusSeconds(60));
        }
        clock.advance(Duration.ofSeconds(61));
        counter.incrementIfBelow("rate#next", 10, clock.instant().plusSeconds(60));

        assertThat(counter.size())
                .as("counters held 61 s after the 100 expired: 'rate#first' (still in its window) and the new one")
                .isEqualTo(2);
    }

    /** A clock the test moves forward. */
    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
