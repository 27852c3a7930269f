package dev.spendgate.domain.budget;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Open reservations, so that one orphaned by a crash or a timeout (the call never settled) can be found and ended.
 * Exactly one party ends an entry: the call when it settles, or the sweeper when it expired; {@link #remove} tells
 * which, atomically. An entry that names its {@link Call} is charged by the sweeper at its worst case (the call may
 * have been answered and billed), one without is released (see {@link BudgetEnforcer#sweep}).
 */
public interface ReservationJournal {

    /** Records an open reservation (before the ledger is touched, so a crash in between leaks nothing untracked). */
    void open(OpenReservation reservation);

    /**
     * Ends the entry. Returns true for the one caller that removed it, false when it was already gone (the sweeper
     * released it, or the call settled it) or is {@link #markSettled marked settled} (its call owns it).
     */
    boolean remove(String reservationId);

    /**
     * Ends the entry for the settlement that follows, as {@link #remove} does; a journal that is written to disk now and
     * then (the local one) keeps writing it until {@link #settled}, so that a crash between the two leaves either the
     * entry or the settlement, never neither.
     */
    default boolean take(String reservationId) {
        return remove(reservationId);
    }

    /** The settlement of an entry {@link #take taken} reached the ledger: the entry need not be kept any longer. */
    default void settled(String reservationId) {}

    /**
     * Takes the entry for the settlement that follows, as {@link #take} does, for a call whose usage record is not yet
     * durable (it is in memory until handed to the store or the spool): the entry stays, marked settled, until
     * {@link #endSettled}. Returns true for the one caller that marked it; false when it was already gone (the sweeper
     * ended it). A marked entry is the call's: {@link #remove} no longer ends it, and a sweeper that finds it expired
     * (the process died before the record was saved) writes the call's record and charges nothing, the settlement
     * being in the ledger. A journal that cannot keep such an entry takes it, as {@link #take} does (the default).
     */
    default boolean markSettled(String reservationId) {
        return take(reservationId);
    }

    /**
     * Ends an entry {@link #markSettled marked settled}: its call's usage record is durable. Returns whether this
     * removed it. Nothing to do for a journal whose {@link #markSettled} already ended the entry (the default).
     */
    default boolean endSettled(String reservationId) {
        return false;
    }

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
     * @param call the call the amounts were reserved for, written in the same write as the entry; null for an
     *     admission-only reservation (a provider batch's creation, whose results are charged when recorded) and for
     *     entries written before calls were named
     * @param settled whether the call settled, its entry kept until its usage record is durable ({@link #markSettled})
     */
    record OpenReservation(
            String id,
            List<String> itemKeys,
            BigDecimal amount,
            Instant expiresAt,
            boolean confirmed,
            Call call,
            boolean settled) {
        /** An entry whose call has not settled. */
        public OpenReservation(
                String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt, boolean confirmed, Call call) {
            this(id, itemKeys, amount, expiresAt, confirmed, call, false);
        }

        /** An entry written before its reservations (so, if they were made, they are covered). */
        public OpenReservation(String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt) {
            this(id, itemKeys, amount, expiresAt, true, null);
        }

        /** An entry that names no call. */
        public OpenReservation(
                String id, List<String> itemKeys, BigDecimal amount, Instant expiresAt, boolean confirmed) {
            this(id, itemKeys, amount, expiresAt, confirmed, null);
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

    /**
     * What is known of a call when its worst case is reserved, before it is forwarded: enough for the usage record of
     * a call that never settled. Carries no prompt text.
     *
     * @param start when the call started (its record's {@code ts_start})
     * @param model the model forwarded (after a degradation); {@code modelRequested} is the one the client asked for
     * @param pricingProvider the catalog provider whose prices the worst case used, when not {@code provider}
     */
    record Call(
            String requestId,
            Instant start,
            String keyId,
            Attribution attribution,
            String provider,
            String pricingProvider,
            String endpoint,
            String modelRequested,
            String model,
            boolean stream) {
        public Call {
            if (requestId == null || requestId.isBlank()) {
                throw new IllegalArgumentException("requestId must not be blank");
            }
            Objects.requireNonNull(start, "start");
            attribution = attribution == null ? Attribution.NONE : attribution;
        }

        /** The same call forwarded to {@code forwarded} (a degrading budget chose a cheaper model). */
        public Call withModel(String forwarded) {
            return new Call(
                    requestId,
                    start,
                    keyId,
                    attribution,
                    provider,
                    pricingProvider,
                    endpoint,
                    modelRequested,
                    forwarded,
                    stream);
        }
    }
}
