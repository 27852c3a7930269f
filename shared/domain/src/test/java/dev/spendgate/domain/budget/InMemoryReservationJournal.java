package dev.spendgate.domain.budget;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ReservationJournal} in memory, with the same semantics as the real ones (checked by
 * {@code ReservationJournalContract} in shared/testing): {@link #remove} is true for exactly one caller.
 */
public final class InMemoryReservationJournal implements ReservationJournal {
    private final ConcurrentHashMap<String, OpenReservation> open = new ConcurrentHashMap<>();
    private volatile boolean down;

    public static InMemoryReservationJournal create() {
        return new InMemoryReservationJournal();
    }

    /** From now on every call throws {@link BudgetStoreException} ({@code true}) or works again ({@code false}). */
    public void down(boolean down) {
        this.down = down;
    }

    /** The reservations not yet settled or swept. */
    public List<OpenReservation> open() {
        return List.copyOf(open.values());
    }

    @Override
    public void open(OpenReservation reservation) {
        Objects.requireNonNull(reservation, "reservation");
        check();
        open.put(reservation.id(), reservation);
    }

    @Override
    public boolean remove(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        check();
        boolean[] removed = {false};
        open.computeIfPresent(reservationId, (id, entry) -> {
            if (entry.settled()) {
                return entry; // its call owns it
            }
            removed[0] = true;
            return null;
        });
        return removed[0];
    }

    @Override
    public boolean markSettled(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        check();
        boolean[] marked = {false};
        open.computeIfPresent(reservationId, (id, e) -> {
            marked[0] = !e.settled();
            return new OpenReservation(e.id(), e.itemKeys(), e.amount(), e.expiresAt(), e.confirmed(), e.call(), true);
        });
        return marked[0];
    }

    @Override
    public boolean endSettled(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        check();
        return open.remove(reservationId) != null;
    }

    @Override
    public List<OpenReservation> expired(Instant now, int max) {
        Objects.requireNonNull(now, "now");
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        check();
        return open.values().stream()
                .filter(r -> r.expiresAt().isBefore(now))
                .sorted(Comparator.comparing(OpenReservation::expiresAt).thenComparing(OpenReservation::id))
                .limit(max)
                .toList();
    }

    private void check() {
        if (down) {
            throw new BudgetStoreException("reservation journal is down (test switch)", null);
        }
    }
}
