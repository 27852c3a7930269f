package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AlertOutbox} must do, so that an alert whose delivery a process had not finished reaches the
 * operator from another. Extend it once per adapter: {@link #newOutbox(Clock)} returns an outbox over fresh, empty
 * storage, and {@link #reopen(Clock)} another instance over the same storage, as another process sees it.
 */
public abstract class AlertOutboxContract {
    protected static final BudgetAlert ALERT = new BudgetAlert(
            "feature:chatbot/monthly",
            "chatbot",
            "2026-12",
            80,
            new BigDecimal("500"),
            new BigDecimal("400.12"),
            BudgetPolicy.Mode.BLOCK,
            Instant.parse("2026-12-05T10:00:00Z"));
    private static final AlertSink.Notice NOTICE =
            new AlertSink.Notice("Top waste findings 2026-12-04", "3 findings", Map.of("kind", "waste"));

    /** A clock the test moves. */
    protected static final class MovingClock extends Clock {
        private Instant now;

        public MovingClock(Instant now) {
            this.now = now;
        }

        public void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
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

    /** An outbox over fresh, empty storage; called once per test. */
    protected abstract AlertOutbox newOutbox(Clock clock);

    /** Another instance over the storage of the outbox {@link #newOutbox} last returned. */
    protected abstract AlertOutbox reopen(Clock clock);

    @Test
    void keptAlertsAndNotices_areFoundByAnotherProcess_exactlyAsKept() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String alertId = outbox.keep(ALERT, null);
        clock.advance(Duration.ofSeconds(1));
        String noticeId = outbox.keep(null, NOTICE);
        clock.advance(Duration.ofMinutes(10));

        var left = reopen(clock).olderThan(Duration.ofMinutes(5));

        assertThat(left).extracting(AlertOutbox.Kept::id).containsExactly(alertId, noticeId);
        assertThat(left.get(0).alert()).isEqualTo(ALERT);
        assertThat(left.get(0).notice()).isNull();
        assertThat(left.get(0).since()).isEqualTo(Instant.parse("2026-12-06T08:00:00Z"));
        assertThat(left.get(1).notice()).isEqualTo(NOTICE);
    }

    @Test
    void heldAlert_isFoundByAnotherProcess_stillWaitingOnItsMarker() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        AlertOutbox.Waiting waiting = new AlertOutbox.Waiting(
                "alert#budget#feature:chatbot#monthly#2026-12#80#limit-500#policy-p1",
                Instant.parse("2027-01-02T00:00:00Z"));
        String held = outbox.keep(ALERT, null, waiting);
        String decided = outbox.keep(null, NOTICE);
        clock.advance(Duration.ofMinutes(10));

        var left = reopen(clock).olderThan(Duration.ofMinutes(5));

        assertThat(left).extracting(AlertOutbox.Kept::id).containsExactlyInAnyOrder(held, decided);
        for (AlertOutbox.Kept kept : left) {
            assertThat(kept.waitingOn()).as(kept.id()).isEqualTo(kept.id().equals(held) ? waiting : null);
        }
    }

    @Test
    void olderThan_leavesOutWhatIsYoungerThanTheAge() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String old = outbox.keep(ALERT, null);
        clock.advance(Duration.ofMinutes(4));
        outbox.keep(null, NOTICE);
        clock.advance(Duration.ofMinutes(2));

        assertThat(outbox.olderThan(Duration.ofMinutes(5)))
                .extracting(AlertOutbox.Kept::id)
                .containsExactly(old);
        assertThat(outbox.olderThan(Duration.ZERO)).hasSize(2);
    }

    @Test
    void removed_isNotFoundAgain() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String id = outbox.keep(ALERT, null);
        String other = outbox.keep(null, NOTICE);

        reopen(clock).remove(id);

        assertThat(outbox.olderThan(Duration.ZERO))
                .extracting(AlertOutbox.Kept::id)
                .containsExactly(other);
    }

    @Test
    void aLeftOver_isClaimedByOneProcess_andByAnotherOnlyOnceTheClaimIsStale() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String id = outbox.keep(ALERT, null);
        AlertOutbox first = reopen(clock);
        AlertOutbox second = reopen(clock);
        clock.advance(Duration.ofMinutes(6));

        assertThat(first.claim(id, Duration.ofMinutes(5))).isTrue();
        assertThat(second.claim(id, Duration.ofMinutes(5)))
                .as("taken a moment ago")
                .isEqualTo(!sharesClaims());

        clock.advance(Duration.ofMinutes(6)); // the first was frozen before it sent it
        assertThat(second.claim(id, Duration.ofMinutes(5))).isTrue();
    }

    /** Whether several processes share this outbox, so a claim keeps the others off (false: one process per store). */
    protected boolean sharesClaims() {
        return true;
    }
}
