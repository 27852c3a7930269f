package dev.spendgate.domain.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Alerts and notices kept until their delivery ends, so that a gateway killed while one is being retried sends it when
 * it (or another process on the same store) runs again. A delivery kept {@link Kept#waitingOn waiting on} a once-marker
 * was held before the marker was asked (so a kill between the marker's write and the delivery loses nothing); the
 * marker decides whether it is sent ({@link OnceMarker#markOnce(String, java.time.Instant, String)}, its id as owner).
 * Any other was decided already: this only keeps that one send from being lost.
 */
public interface AlertOutbox {

    /**
     * An alert or a notice (exactly one), kept since {@code since}; {@code waitingOn}: held before its once-marker was
     * asked, else null.
     */
    record Kept(String id, BudgetAlert alert, AlertSink.Notice notice, Instant since, Waiting waitingOn) {
        public Kept(String id, BudgetAlert alert, AlertSink.Notice notice, Instant since) {
            this(id, alert, notice, since, null);
        }

        /** The alert or the notice. */
        public Object delivery() {
            return alert != null ? alert : notice;
        }
    }

    /** The once-marker a held delivery waits on: its key, and when it expires. */
    record Waiting(String markerKey, Instant markerExpiresAt) {
        public Waiting {
            java.util.Objects.requireNonNull(markerKey, "markerKey");
            java.util.Objects.requireNonNull(markerExpiresAt, "markerExpiresAt");
        }
    }

    /** Keeps one of {@code alert} or {@code notice}, decided already; returns its id. */
    default String keep(BudgetAlert alert, AlertSink.Notice notice) {
        return keep(alert, notice, null);
    }

    /** Keeps one of {@code alert} or {@code notice}, waiting on {@code waitingOn} (null: decided); returns its id. */
    String keep(BudgetAlert alert, AlertSink.Notice notice, Waiting waitingOn);

    /** Its delivery ended (delivered, or given up and logged as lost): forgotten. */
    void remove(String id);

    /** What is kept and was kept at least {@code age} ago: deliveries a process left unfinished. */
    List<Kept> olderThan(Duration age);

    /**
     * Takes the left-over delivery {@code id} for this process, so that of several processes finding it (Lambda
     * environments sharing one table) one sends it: false when another took it less than {@code stale} ago, or it is
     * gone. One process per store (the local data directory) takes every one.
     */
    default boolean claim(String id, Duration stale) {
        return true;
    }

    /** Keeps nothing: for stores that have no durable place. */
    AlertOutbox NONE = new AlertOutbox() {
        @Override
        public String keep(BudgetAlert alert, AlertSink.Notice notice, Waiting waitingOn) {
            return null;
        }

        @Override
        public void remove(String id) {}

        @Override
        public List<Kept> olderThan(Duration age) {
            return List.of();
        }
    };
}
