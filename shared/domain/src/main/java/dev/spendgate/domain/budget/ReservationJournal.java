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

    /**
     * Marks an entry opened unconfirmed (written at the same time as its reservations rather than before them) as
     * holding its amounts: the reservations stood. Nothing happens when the entry is gone. A journal that keeps only
     * confirmed entries may ignore it.
     */
    default void confirm(String reservationId) {}

    /**
     * One call's reservation: the same amount on each of its budget items.
     *
     * @param confirmed whether the amounts are known to be reserved: false for an entry written at the same time as
     *     its reservations and not confirmed since; the sweeper then removes it without releasing anything
     */
    record OpenReservation(String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt, boolean confirmed) {
        /** An entry written before its reservations (so, if they were made, they are covered). */
        public OpenReservation(String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt) {
            this(id, itemKeys, amount, expiresAt, true);
        }

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
