package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.OnceMarker;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link OnceMarker} must do. Extend it once per adapter: {@link #newMarker()} returns a marker over
 * fresh, empty storage and {@link #reopenMarker()} a second instance over the same storage, as another process (a
 * restarted local gateway, another Lambda instance) sees it.
 */
public abstract class OnceMarkerContract {
    private static final String KEY = "once#alert#budget#feature:chatbot#monthly#2026-11#80";
    private static final String OTHER_KEY = "once#alert#budget#feature:chatbot#monthly#2026-11#100";

    private OnceMarker marker;
    private Instant expiresAt;

    /** A marker over fresh, empty storage; called before every test. */
    protected abstract OnceMarker newMarker();

    /** Another instance over the storage of the marker {@link #newMarker()} last returned. */
    protected abstract OnceMarker reopenMarker();

    @BeforeEach
    void createMarker() {
        marker = newMarker();
        expiresAt = Instant.now().plusSeconds(3600);
    }

    @Test
    void isMarked_seesAMarkerSetByAnotherInstance_andSetsNone() {
        assertThat(marker.isMarked(KEY)).isFalse();
        assertThat(marker.isMarked(KEY)).as("asking sets nothing").isFalse();

        assertThat(reopenMarker().markOnce(KEY, expiresAt)).isTrue();

        assertThat(marker.isMarked(KEY)).isTrue();
        assertThat(marker.isMarked(OTHER_KEY)).isFalse();
        assertThat(marker.markOnce(OTHER_KEY, expiresAt))
                .as("isMarked left it unset")
                .isTrue();
    }

    @Test
    void markOnce_firstCall_returnsTrueAndLaterCallsFalse() {
        assertThat(marker.markOnce(KEY, expiresAt)).isTrue();

        assertThat(marker.markOnce(KEY, expiresAt)).isFalse();
        assertThat(marker.markOnce(KEY, expiresAt.plusSeconds(60))).isFalse();
    }

    @Test
    void markOnce_distinctKeys_areIndependent() {
        assertThat(marker.markOnce(KEY, expiresAt)).isTrue();

        assertThat(marker.markOnce(OTHER_KEY, expiresAt)).isTrue();
        assertThat(marker.markOnce(OTHER_KEY, expiresAt)).isFalse();
    }

    @Test
    void markOnce_markedByAnotherInstance_returnsFalse() {
        OnceMarker other = reopenMarker();
        assertThat(marker.markOnce(KEY, expiresAt)).isTrue();

        assertThat(other.markOnce(KEY, expiresAt)).isFalse();
        assertThat(other.markOnce(OTHER_KEY, expiresAt)).isTrue();
        assertThat(marker.markOnce(OTHER_KEY, expiresAt)).isFalse();
    }

    @Test
    void markOnce_afterReopen_isRemembered() {
        marker.markOnce(KEY, expiresAt);

        assertThat(reopenMarker().markOnce(KEY, expiresAt)).isFalse();
    }

    @Test
    void markOnce_expiredMarker_countsAsAbsent() {
        assertThat(marker.markOnce(KEY, Instant.now().minusSeconds(60))).isTrue();

        assertThat(marker.markOnce(KEY, expiresAt)).isTrue();
        assertThat(marker.markOnce(KEY, expiresAt)).isFalse();
        assertThat(reopenMarker().markOnce(KEY, expiresAt)).isFalse();
    }

    @Test
    void markOnce_50ConcurrentCallersOnTwoInstances_exactlyOneReturnsTrue() {
        OnceMarker other = reopenMarker();

        List<Boolean> results =
                ConcurrentCalls.startTogether(50, i -> (i % 2 == 0 ? marker : other).markOnce(KEY, expiresAt));

        assertThat(results.stream().filter(Boolean::booleanValue)).hasSize(1);
    }

    /** Whether the store keeps a marker's owner ({@link OnceMarker#markOnce(String, Instant, String)}); a durable one must. */
    protected boolean keepsOwners() {
        return true;
    }

    @Test
    void markOnce_withOwner_isTrueAgainForItsOwnerOnly_afterReopen() {
        org.junit.jupiter.api.Assumptions.assumeTrue(keepsOwners(), "a store in memory keeps no owners");
        assertThat(marker.markOnce(KEY, expiresAt, "held-1")).isTrue();

        OnceMarker restarted = reopenMarker();
        assertThat(restarted.markOnce(KEY, expiresAt, "held-1"))
                .as("the owner asking again (killed before it sent the alert) learns it was the first")
                .isTrue();
        assertThat(restarted.markOnce(KEY, expiresAt, "held-2"))
                .as("another owner")
                .isFalse();
        assertThat(restarted.markOnce(KEY, expiresAt)).as("no owner").isFalse();
        assertThat(marker.markOnce(KEY, expiresAt, "held-2")).isFalse();
        assertThat(marker.markOnce(KEY, expiresAt, "held-1")).isTrue();
    }

    @Test
    void markOnce_nullArguments_throwNullPointerException() {
        assertThatThrownBy(() -> marker.markOnce(null, expiresAt)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> marker.markOnce(KEY, null)).isInstanceOf(NullPointerException.class);
    }
}
