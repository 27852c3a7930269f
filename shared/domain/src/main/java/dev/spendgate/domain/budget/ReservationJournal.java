package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Open reservations, so that one orphaned by a crash or a timeout (the call never settled) can be found and released.
 * Exactly one party ends an entry: the call when it settles, or the sweeper when it expired; {@link #remove} tells
 * which, atomically.
 */
public interface ReservationJournal {

    /** Records an open reservation (before the ledger is touched, so a crash in between leaks nothing untracked). */
    void open(OpenReservation reservation);

    /**
     * Ends the entry. Returns true for the one caller that removed it, false when it was already gone (the sweeper
     * released it, or the call settled it).
     */
    boolean remove(String reservationId);

    /** Up to {@code max} entries whose {@code expiresAt} is before {@code now}, oldest first. */
    List<OpenReservation> expired(Instant now, int max);

    /** One call's reservation: the same amount on each of its budget items. */
    record OpenReservation(String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt) {
        public OpenReservation {
            Objects.requireNonNull(id, "id");
            itemKeys = List.copyOf(itemKeys);
            Objects.requireNonNull(amount, "amount");
            Objects.requireNonNull(expiresAt, "expiresAt");
            if (amount.signum() < 0) {
                throw new IllegalArgumentException("amount must not be negative");
            }
        }
    }
}
