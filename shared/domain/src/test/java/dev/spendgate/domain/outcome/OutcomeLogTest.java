package dev.spendgate.domain.outcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.report.TestStore;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeLogTest {
    @Test
    void read_month_returnsThatMonthsOutcomesAndSkipsDamagedObjects() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        log.record(new Outcome(Instant.parse("2026-11-30T23:59:59Z"), "s-1", null, "ticket_resolved", 2, "k1"));
        log.record(new Outcome(Instant.parse("2026-11-02T08:00:00Z"), null, "req_9", "doc_summarised", 1, "k1"));
        log.record(new Outcome(Instant.parse("2026-12-01T00:00:00Z"), "s-2", null, "ticket_resolved", 1, "k1"));
        store.put("outcomes/v1/year=2026/month=11/day=05/broken.json", "{not json".getBytes());

        assertThat(log.read(YearMonth.of(2026, 11)))
                .extracting(o -> o.name() + "/" + (o.session() != null ? o.session() : o.requestId()) + "/" + o.count())
                .containsExactlyInAnyOrder("ticket_resolved/s-1/2", "doc_summarised/req_9/1");
    }

    @Test
    void recordOnceAt_retryTwoDaysLater_saysWhenTheOutcomeWasFirstRecorded() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        Instant first = Instant.parse("2026-11-10T09:15:00Z");

        log.recordOnceAt(new Outcome(first, "s-1", null, "ticket_resolved", 1, "k1"), "tkt-1");
        OutcomeLog.Recorded retry = log.recordOnceAt(
                new Outcome(Instant.parse("2026-11-12T17:40:00Z"), "s-1", null, "ticket_resolved", 1, "k1"), "tkt-1");

        assertThat(retry.once()).isEqualTo(OutcomeLog.Once.REPEATED);
        assertThat(retry.at()).isEqualTo(first);
    }

    @Test
    void recordOnce_retriedTheSameDayAndAfterMidnight_isReadOnce() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        Outcome first = new Outcome(Instant.parse("2026-11-10T23:59:58Z"), "s-1", null, "ticket_resolved", 1, "k1");

        assertThat(log.recordOnce(first, "retry-me")).isEqualTo(OutcomeLog.Once.STORED);
        assertThat(log.recordOnce(first, "retry-me")).isEqualTo(OutcomeLog.Once.REPEATED);
        // the client's last retry lands after midnight: found on the day before, not stored again
        assertThat(log.recordOnce(
                        new Outcome(Instant.parse("2026-11-11T00:00:03Z"), "s-1", null, "ticket_resolved", 1, "k1"),
                        "retry-me"))
                .isEqualTo(OutcomeLog.Once.REPEATED);
        // the same idempotency key from another Spendgate key is another outcome
        assertThat(log.recordOnce(
                        new Outcome(Instant.parse("2026-11-10T23:59:59Z"), "s-2", null, "ticket_resolved", 1, "k2"),
                        "retry-me"))
                .isEqualTo(OutcomeLog.Once.STORED);

        assertThat(log.read(YearMonth.of(2026, 11)))
                .extracting(Outcome::session)
                .containsExactlyInAnyOrder("s-1", "s-2");
    }

    @Test
    void recordOnce_retriedAfterMidnightIntoTheNextMonth_isCountedInOneMonthOnly() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        // the answer to the last POST of November is lost; the client's retry lands on December 1st
        assertThat(log.recordOnce(
                        new Outcome(Instant.parse("2026-11-30T23:59:58Z"), "s-1", null, "ticket_resolved", 1, "k1"),
                        "retry-me"))
                .isEqualTo(OutcomeLog.Once.STORED);
        log.recordOnce(
                new Outcome(Instant.parse("2026-12-01T00:00:03Z"), "s-1", null, "ticket_resolved", 1, "k1"),
                "retry-me");

        // one outcome: the board reports of November and December together count it once
        assertThat(log.read(YearMonth.of(2026, 11)).size()
                        + log.read(YearMonth.of(2026, 12)).size())
                .isEqualTo(1);
    }

    @Test
    void read_manyOutcomes_returnsEachOnce() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        for (int i = 0; i < 500; i++) {
            log.record(new Outcome(
                    Instant.parse("2026-11-01T00:00:00Z").plusSeconds(i * 3_600L), "s-" + i, null, "done", 1, "k1"));
        }

        List<Outcome> read = log.read(YearMonth.of(2026, 11));

        assertThat(read).hasSize(500);
        assertThat(read.stream().map(Outcome::session).distinct()).hasSize(500);
    }

    @Test
    void outcome_withBothOrNeitherIdOrABadCount_isRefused() {
        Instant t = Instant.parse("2026-11-02T08:00:00Z");
        assertThatThrownBy(() -> new Outcome(t, "s", "r", "x", 1, null)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new Outcome(t, null, null, "x", 1, null)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new Outcome(t, "s", null, "x", 0, null)).hasMessageContaining("count");
        assertThatThrownBy(() -> new Outcome(t, "s", null, "two words", 1, null))
                .hasMessageContaining("outcome");
    }
}
