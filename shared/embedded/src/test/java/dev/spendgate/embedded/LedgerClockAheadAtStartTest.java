package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetState;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local ledger drops the items of periods long over at its flush (see {@link PastPeriodItems}), judged by the
 * wall clock's date. A VM whose clock is far ahead when the gateway starts (before NTP sets it) must not make that
 * flush drop the current period's items: once the clock is right again, that month's spend would read $0 and the
 * budget would admit its whole limit again.
 */
class LedgerClockAheadAtStartTest {
    @TempDir
    Path dir;

    /** A clock the test steps, as NTP would. */
    private static final class SteppedClock extends Clock {
        Instant now;

        SteppedClock(String at) {
            now = Instant.parse(at);
        }

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

    private static final String MONTH = "budget#global#monthly#2026-12";
    private static final String DAY = "budget#global#daily#2026-12-06";

    @Test
    void clockHalfAYearAheadAtStart_thenSetRight_theMonthsSpendIsStillCounted() {
        Path file = dir.resolve("ledger.json");
        SteppedClock clock = new SteppedClock("2026-12-06T10:00:00Z");
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            ledger.settle(MONTH, BigDecimal.ZERO, new BigDecimal("40.00"));
            ledger.settle(DAY, BigDecimal.ZERO, new BigDecimal("5.00"));
            ledger.flush();
        }

        clock.now = Instant.parse("2027-06-06T10:00:30Z"); // the VM restarts with its clock half a year ahead
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            for (int i = 0; i < 120; i++) { // two minutes of flushes before NTP steps the clock
                ledger.flush();
                clock.now = clock.now.plusSeconds(1);
            }
            clock.now = Instant.parse("2026-12-06T10:03:00Z"); // NTP sets it right
            ledger.flush();

            assertThat(ledger.state(MONTH).map(BudgetState::spent))
                    .as("the month's spend after the clock is set right")
                    .contains(new BigDecimal("40.00"));
            assertThat(ledger.state(DAY).map(BudgetState::spent)).contains(new BigDecimal("5.00"));
        }
        assertThat(FileBudgetLedger.readSnapshot(file)).containsKeys(MONTH, DAY);
    }

    @Test
    void startedAgainAWeekLater_pastPeriodsAreDroppedOnceTheNewDateHasHeldAnHour() {
        Path file = dir.resolve("ledger.json");
        SteppedClock clock = new SteppedClock("2026-12-06T10:00:00Z");
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            ledger.settle(MONTH, BigDecimal.ZERO, new BigDecimal("40.00"));
            ledger.settle(DAY, BigDecimal.ZERO, new BigDecimal("5.00"));
            ledger.flush();
        }

        clock.now = Instant.parse("2026-12-13T09:00:00Z"); // the gateway was off for a week: the date is right
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            ledger.flush();
            clock.now = clock.now.plus(Duration.ofMinutes(59));
            ledger.flush();
            assertThat(ledger.state(DAY))
                    .as("59 minutes after a start a week later")
                    .isPresent();

            clock.now = clock.now.plus(Duration.ofMinutes(2));
            ledger.flush();
            assertThat(ledger.state(DAY))
                    .as("an hour after: the date held, so the day a week ago is dropped")
                    .isEmpty();
            assertThat(ledger.state(MONTH)).as("the current month").isPresent();
        }
        assertThat(FileBudgetLedger.readSnapshot(file)).containsOnlyKeys(MONTH);
    }

    /**
     * A ledger an older version wrote has no {@code pruning_date}: the first start after the upgrade takes the date the
     * file was last written for it, and prunes at once rather than an hour later with a warning (final review, R24).
     */
    @Test
    void fileAnOlderVersionWrote_isPrunedAtTheFirstStartByTheDateItWasWritten() throws Exception {
        Path file = dir.resolve("ledger.json");
        String weekAgo = "budget#global#daily#2026-11-29";
        SteppedClock clock = new SteppedClock("2026-12-06T09:00:00Z");
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            ledger.settle(MONTH, BigDecimal.ZERO, new BigDecimal("40.00"));
            ledger.settle(weekAgo, BigDecimal.ZERO, new BigDecimal("5.00"));
            // written by a version without pruning_date, last on the morning of 6 December
        }
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        json.remove("pruning_date");
        java.nio.file.Files.writeString(file, json.toString());
        java.nio.file.Files.setLastModifiedTime(
                file, java.nio.file.attribute.FileTime.from(Instant.parse("2026-12-06T09:00:00Z")));

        clock.now = Instant.parse("2026-12-06T10:00:00Z");
        try (FileBudgetLedger ledger = new FileBudgetLedger(file, false, clock)) {
            ledger.flush();
            assertThat(ledger.state(weekAgo))
                    .as("a week-old day's item at the first flush")
                    .isEmpty();
            assertThat(ledger.state(MONTH).map(BudgetState::spent)).contains(new BigDecimal("40.00"));
        }
    }
}
