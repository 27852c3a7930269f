package dev.spendgate.function.proxy.local;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileOnceMarker;
import dev.spendgate.embedded.FileReservationJournal;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.embedded.FileUsageJournal;
import dev.spendgate.embedded.InMemoryRateCounter;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BudgetStores;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The gateway wired to files for {@code ./spendgate local}, the counterpart of {@link
 * dev.spendgate.function.proxy.lambda.AwsGatewayRuntime}: keys, usage log, spool, budgets and the journals under one
 * data directory.
 */
public final class LocalGatewayRuntime {
    private LocalGatewayRuntime() {}

    /**
     * The embedded set-up of {@code ./spendgate local}: keys, usage log, spool and the journals under {@code dataDir}.
     * Each usage record and each budget settlement is appended to a journal under {@code dataDir} before its call is
     * answered ({@code SPENDGATE_FSYNC=always}: also forced to the device; default {@code interval}: forced once a
     * second).
     */
    public static GatewayRuntime create(ProxyConfig config, Path dataDir) {
        boolean syncEachCommit = config.fsyncEachCommit();
        Clock clock = Clock.systemUTC();
        // The budget ledger's lock comes first: a second gateway on this data directory stops there, before it could
        // open (and recover) the first one's usage journal.
        BudgetStores budgets = budgets(dataDir, GatewayRuntime.alertSink(config), syncEachCommit);
        return GatewayRuntime.create(
                config,
                new FileKeyStore(dataDir.resolve("keys.json")),
                new FileSystemObjectStore(dataDir),
                new FileSystemUsageSpool(dataDir.resolve("spool")),
                new FileUsageJournal(dataDir.resolve("journal").resolve("usage"), clock, syncEachCommit),
                budgets,
                clock,
                config.flushInterval());
    }

    /**
     * Policy, ledger, alert-marker and reservation-journal files under {@code dataDir/budgets/}; velocity counters in
     * memory. The ledger and the journal are kept in memory and written by {@code flush} (every second) and on close.
     */
    public static BudgetStores budgets(Path dataDir, AlertSink alerts) {
        return budgets(dataDir, alerts, false);
    }

    /**
     * As {@link #budgets(Path, AlertSink)}. The ledger journals each settlement ({@code syncEachCommit}: forced to the
     * device before the call is answered), so settled spend survives a crash; reservations left by a previous
     * process, whose calls died with it, are released here, before any call of this one.
     */
    public static BudgetStores budgets(Path dataDir, AlertSink alerts, boolean syncEachCommit) {
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
            Log.warn(
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
