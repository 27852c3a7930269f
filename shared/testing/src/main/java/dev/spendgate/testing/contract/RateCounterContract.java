package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.RateCounter;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RateCounter} must do. Extend it once per adapter: {@link #newCounter()} returns a counter over
 * fresh, empty storage. Counters here expire a minute after the test starts, so none expires during it.
 */
public abstract class RateCounterContract {
    private static final String KEY = "rate#session:s-1#2026-11-28T15:00";
    private static final String OTHER_KEY = "rate#session:s-2#2026-11-28T15:00";

    private RateCounter counter;
    private Instant expiresAt;

    /** A counter over fresh, empty storage; called before every test. */
    protected abstract RateCounter newCounter();

    @BeforeEach
    void createCounter() {
        counter = newCounter();
        expiresAt = Instant.now().plusSeconds(60);
    }

    @Test
    void incrementIfBelow_belowMax_returnsTheNewCount() {
        assertThat(counter.incrementIfBelow(KEY, 5, expiresAt)).isEqualTo(1);
        assertThat(counter.incrementIfBelow(KEY, 5, expiresAt)).isEqualTo(2);
        assertThat(counter.incrementIfBelow(KEY, 5, expiresAt)).isEqualTo(3);
    }

    @Test
    void incrementIfBelow_atMax_returnsMinusOneAndChangesNothing() {
        for (int i = 1; i <= 3; i++) {
            assertThat(counter.incrementIfBelow(KEY, 3, expiresAt)).isEqualTo(i);
        }

        assertThat(counter.incrementIfBelow(KEY, 3, expiresAt)).isEqualTo(-1);
        assertThat(counter.incrementIfBelow(KEY, 3, expiresAt)).isEqualTo(-1);

        assertThat(counter.incrementIfBelow(KEY, 4, expiresAt))
                .as("the refused calls did not count")
                .isEqualTo(4);
    }

    @Test
    void incrementIfBelow_maxZero_returnsMinusOneAndChangesNothing() {
        assertThat(counter.incrementIfBelow(KEY, 0, expiresAt)).isEqualTo(-1);

        assertThat(counter.incrementIfBelow(KEY, 1, expiresAt)).isEqualTo(1);
    }

    @Test
    void incrementIfBelow_distinctKeys_areIndependent() {
        assertThat(counter.incrementIfBelow(KEY, 2, expiresAt)).isEqualTo(1);
        assertThat(counter.incrementIfBelow(KEY, 2, expiresAt)).isEqualTo(2);
        assertThat(counter.incrementIfBelow(KEY, 2, expiresAt)).isEqualTo(-1);

        assertThat(counter.incrementIfBelow(OTHER_KEY, 2, expiresAt)).isEqualTo(1);
    }

    @Test
    void incrementIfBelow_100ConcurrentCallersWithMax60_exactly60Succeed() {
        List<Long> results = ConcurrentCalls.startTogether(100, i -> counter.incrementIfBelow(KEY, 60, expiresAt));

        assertThat(results.stream().filter(n -> n != -1).sorted())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 60).boxed().toList());
        assertThat(results.stream().filter(n -> n == -1)).hasSize(40);
        assertThat(counter.incrementIfBelow(KEY, 61, expiresAt)).isEqualTo(61);
    }

    @Test
    void incrementIfBelow_negativeMax_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> counter.incrementIfBelow(KEY, -1, expiresAt))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void incrementIfBelow_nullArguments_throwNullPointerException() {
        assertThatThrownBy(() -> counter.incrementIfBelow(null, 1, expiresAt)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> counter.incrementIfBelow(KEY, 1, null)).isInstanceOf(NullPointerException.class);
    }
}
