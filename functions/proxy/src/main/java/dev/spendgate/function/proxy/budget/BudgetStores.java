package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.domain.budget.RateCounter;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileOnceMarker;
import dev.spendgate.embedded.FileReservationJournal;
import dev.spendgate.embedded.InMemoryRateCounter;
import java.nio.file.Path;
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
        for (Object part : new Object[] {policies, ledger, counter, marker, journal}) {
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

    /**
     * Policy, ledger, alert-marker and reservation-journal files under {@code dataDir/budgets/}; velocity counters in
     * memory. The ledger and the journal are kept in memory and written by {@code flush} (every second) and on close.
     */
    public static BudgetStores local(Path dataDir, AlertSink alerts) {
        return local(dataDir, alerts, false);
    }

    /**
     * As {@link #local(Path, AlertSink)}. The ledger journals each settlement ({@code syncEachCommit}: forced to the
     * device before the call is answered), so settled spend survives a crash; reservations left by a previous
     * process, whose calls died with it, are released here, before any call of this one.
     */
    public static BudgetStores local(Path dataDir, AlertSink alerts, boolean syncEachCommit) {
        Path dir = dataDir.resolve("budgets");
        FileBudgetLedger ledger = new FileBudgetLedger(dir.resolve("ledger.json"), syncEachCommit);
        FileReservationJournal journal;
        try {
            journal = new FileReservationJournal(dir.resolve("reservations.json"));
        } catch (RuntimeException e) {
            ledger.close(); // releases its file, so the caller can retry once the journal file is fixed
            throw e;
        }
        int openEntries = journal.clear();
        FileBudgetLedger.Released released = ledger.releaseReservations();
        if (openEntries > 0 || released.items() > 0) {
            dev.spendgate.function.proxy.Log.warn(
                    null,
                    "released $" + released.amount().toPlainString() + " reserved on " + released.items()
                            + " budget items by " + openEntries + " calls in flight when the previous gateway"
                            + " stopped; calls that completed are in the settled spend and the usage log");
        }
        // flush: journal first, so each reservation in the ledger file is in the journal file unless opened in between
        return new BudgetStores(
                new FileBudgetPolicyStore(dir.resolve("policies.json")),
                ledger,
                new InMemoryRateCounter(),
                new FileOnceMarker(dir.resolve("alerts.json")),
                journal,
                alerts,
                () -> {
                    journal.flush();
                    ledger.flush();
                });
    }
}
