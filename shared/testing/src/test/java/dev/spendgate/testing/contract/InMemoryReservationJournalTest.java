package dev.spendgate.testing.contract;

import dev.spendgate.domain.budget.InMemoryReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal;

/** The in-memory fake that domain tests use keeps the same contract as the real adapters. */
class InMemoryReservationJournalTest extends ReservationJournalContract {
    private InMemoryReservationJournal current;

    @Override
    protected ReservationJournal newJournal() {
        current = InMemoryReservationJournal.create();
        return current;
    }

    @Override
    protected ReservationJournal reopenJournal() {
        return current; // the same memory: what a reopened file or table would hold
    }
}
