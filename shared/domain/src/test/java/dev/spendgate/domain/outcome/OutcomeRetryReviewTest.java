package dev.spendgate.domain.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.TestStore;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/**
 * README "Outcomes and cost per outcome": "An {@code Idempotency-Key} header ... makes a retry safe: a second POST with
 * the same key from the same Spendgate key answers 200 and is not counted again, even after midnight or a month's
 * end." No window is given. A client whose outbox retries a POST it never got an answer to (the gateway was
 * unreachable over a weekend, a queue redelivers after two days) posts the same outcome with the same key again.
 */
class OutcomeRetryReviewTest {
    @Test
    void recordOnce_retriedTwoDaysLaterAcrossTheMonthEnd_isAnsweredAsARepeatAndCountedOnce() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        Outcome first = new Outcome(Instant.parse("2026-11-29T18:00:00Z"), "s-1", null, "ticket_resolved", 5, "k1");
        assertThat(log.recordOnce(first, "ticket-8812-resolved")).isEqualTo(OutcomeLog.Once.STORED);

        // the same POST, same Idempotency-Key, redelivered on Monday December 1st
        Outcome retry = new Outcome(Instant.parse("2026-12-01T09:00:00Z"), "s-1", null, "ticket_resolved", 5, "k1");
        OutcomeLog.Once answer = log.recordOnce(retry, "ticket-8812-resolved");

        // one outcome of 5 tickets: November's and December's reports together count 5, and the API answers 200
        long counted = log.read(YearMonth.of(2026, 11)).stream()
                        .mapToLong(Outcome::count)
                        .sum()
                + log.read(YearMonth.of(2026, 12)).stream()
                        .mapToLong(Outcome::count)
                        .sum();
        assertThat(counted).as("tickets counted over November and December").isEqualTo(5);
        assertThat(answer)
                .as("the retry's answer (REPEATED = 200, STORED = 201)")
                .isEqualTo(OutcomeLog.Once.REPEATED);
    }
    /**
     * The same promise at the month's end with the first POST still being stored: it arrived at 23:59:59 on November
     * 30th and its write is slow (S3 answering in seconds); the client times out and retries at 00:00:01 on December
     * 1st, and that retry is served first. The retry looks for the key on November 30th (not there yet) and stores
     * under December 1st; the first POST then looks on November 29th and stores under November 30th. Both answer 201,
     * and the outcome is in both months' reports.
     */
    @Test
    void recordOnce_retryServedBeforeTheFirstPostAcrossMidnight_isCountedOnce() {
        TestStore store = new TestStore();
        OutcomeLog log = OutcomeLog.create(store);
        Outcome first = new Outcome(Instant.parse("2026-11-30T23:59:59Z"), "s-1", null, "ticket_resolved", 1, "k1");
        Outcome retry = new Outcome(Instant.parse("2026-12-01T00:00:01Z"), "s-1", null, "ticket_resolved", 1, "k1");

        OutcomeLog.Once retried = log.recordOnce(retry, "ticket-9001-resolved");
        OutcomeLog.Once original = log.recordOnce(first, "ticket-9001-resolved");

        assertThat(log.read(YearMonth.of(2026, 11)).size()
                        + log.read(YearMonth.of(2026, 12)).size())
                .as("outcomes counted over November and December (retry %s, first POST %s)", retried, original)
                .isEqualTo(1);
    }
}
