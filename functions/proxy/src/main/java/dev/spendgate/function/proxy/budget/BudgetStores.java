package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.domain.budget.RateCounter;
import dev.spendgate.domain.budget.ReservationJournal;
import java.util.Objects;

/**
 * The stores budgets need, and how to persist what they keep in memory ({@code flush}, run every second and on
 * shutdown; a no-op for stores that write through).
 */
public record BudgetStores(
        BudgetPolicyStore policies,
        BudgetLedger ledger,
        RateCounter counter,
        OnceMarker marker,
        ReservationJournal journal,
        AlertSink alerts,
        Runnable flush) {

    public BudgetStores {
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(counter, "counter");
        Objects.requireNonNull(marker, "marker");
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(alerts, "alerts");
        flush = flush == null ? () -> {} : flush;
    }

    /** Persists what is held in memory, then releases the stores that hold files or locks. */
    public void close() {
        flush.run();
        for (Object part : new Object[] {alerts, policies, ledger, counter, marker, journal}) {
            if (part instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "could not close " + part.getClass().getSimpleName(), e);
                }
            }
        }
    }
}
