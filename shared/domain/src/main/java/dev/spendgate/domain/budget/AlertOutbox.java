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

    /** Keeps nothing: for stores that have no durable place (a Lambda environment). */
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
