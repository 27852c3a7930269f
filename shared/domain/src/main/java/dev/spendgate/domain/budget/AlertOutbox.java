package dev.spendgate.domain.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Alerts and notices kept until their delivery ends, so that a gateway killed while one is being retried sends it when
 * it (or another process on the same store) runs again. The once-marker has already decided that the alert is sent;
 * this only keeps that one send from being lost.
 */
public interface AlertOutbox {

    /** An alert or a notice (exactly one), kept since {@code since}. */
    record Kept(String id, BudgetAlert alert, AlertSink.Notice notice, Instant since) {}

    /** Keeps one of {@code alert} or {@code notice}; returns its id. */
    String keep(BudgetAlert alert, AlertSink.Notice notice);

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
        public String keep(BudgetAlert alert, AlertSink.Notice notice) {
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
