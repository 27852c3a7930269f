package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A warm instance's cached policy list: a change made elsewhere reaches it within the cache's time. */
class CachingBudgetPolicyStoreTest {
    /** The machine's wall clock, stepped by the test as NTP would. */
    private static final class WallClock extends Clock {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");

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

    @Test
    void clockSteppedBackAnHour_aBudgetSetElsewhereIsInForceWithinTheCacheTime() {
        InMemoryBudgetPolicyStore table = new InMemoryBudgetPolicyStore();
        WallClock clock = new WallClock();
        CachingBudgetPolicyStore cached = new CachingBudgetPolicyStore(table, Duration.ofSeconds(30), clock);
        assertThat(cached.list()).isEmpty();

        clock.now = clock.now.minus(Duration.ofHours(1)); // NTP corrects a clock that ran an hour ahead
        table.put(new BudgetPolicy(
                BudgetScope.parse("global"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null)); // `budgets set` through another instance
        clock.now = clock.now.plusSeconds(31);

        assertThat(cached.list()).as("the policies 31 s after the change").hasSize(1);
    }
}
