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
import dev.spendgate.function.proxy.budget.HeldAlerts;
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
        return create(config, dataDir, CacheLimits.defaults());
    }

    /** As {@link #create(ProxyConfig, Path)}, with the response cache kept within {@code cacheLimits}. */
    public static GatewayRuntime create(ProxyConfig config, Path dataDir, CacheLimits cacheLimits) {
        boolean syncEachCommit = config.fsyncEachCommit();
        Clock clock = Clock.systemUTC();
        // records, cached answers and key hashes: for this user alone, whatever the umask made of the files inside
        switch (dev.spendgate.embedded.OwnerOnlyDirectory.secure(dataDir)) {
            case CLOSED ->
                Log.warn(null, "the data directory " + dataDir + " was open to other users: it is now owner-only");
            case LEFT_OPEN ->
                Log.warn(
                        null,
                        "the data directory " + dataDir + " is open to other users and its mode cannot be changed"
                                + " (another user owns it): they can read its usage records and cached answers");
            case PRIVATE -> {}
        }
        // The budget ledger's lock comes first: a second gateway on this data directory stops there, before it could
        // open (and recover) the first one's usage journal.
        AlertSink alerts = GatewayRuntime.alertSink(
                config, new dev.spendgate.embedded.FileAlertOutbox(dataDir.resolve("alerts-outbox")));
        BudgetStores budgets = budgets(dataDir, alerts, syncEachCommit);
        if (alerts instanceof dev.spendgate.function.proxy.budget.BackgroundAlertSink background) {
            // after the ledger's lock: a second gateway started on this data directory stopped above, before it could
            // send alerts the running one still holds
            background.resendLeftOver();
        }
        GatewayRuntime runtime = GatewayRuntime.create(
                config,
                new FileKeyStore(dataDir.resolve("keys.json")),
                new FileSystemObjectStore(dataDir),
                new FileSystemUsageSpool(dataDir.resolve("spool")),
                new FileUsageJournal(dataDir.resolve("journal").resolve("usage"), clock, syncEachCommit),
                budgets,
                optimizations(dataDir, clock, cacheLimits),
                clock,
                config.flushInterval());
        // Before any call of this process: the calls the previous one was killed in the middle of are charged at their
        // worst case, each after its usage record is in the usage journal (the sweeper's rule, applied to all of them).
        runtime.chargeCallsOfPreviousProcess();
        return runtime;
    }

    /**
     * Routing and caching from {@code dataDir/policy/gateway-policy.json} (re-read at most once a second; an invalid
     * policy stops the start) with the response cache under {@code dataDir/cache/}.
     */
    public static dev.spendgate.function.proxy.cache.Optimizations optimizations(Path dataDir, Clock clock) {
        return optimizations(dataDir, clock, CacheLimits.defaults());
    }

    /** As {@link #optimizations(Path, Clock)}, the cache kept within {@code limits}. */
    public static dev.spendgate.function.proxy.cache.Optimizations optimizations(
            Path dataDir, Clock clock, CacheLimits limits) {
        return new dev.spendgate.function.proxy.cache.Optimizations(
                new dev.spendgate.function.proxy.cache.ReloadingPolicy(
                        new dev.spendgate.embedded.FileGatewayPolicyStore(
                                dataDir.resolve("policy").resolve("gateway-policy.json")),
                        java.time.Duration.ofSeconds(1),
                        clock,
                        e -> dev.spendgate.function.proxy.Log.error(
                                null, "the gateway policy file no longer loads; the policy in force stays", e)),
                new dev.spendgate.domain.cache.ResponseCache(
                        new dev.spendgate.embedded.FileResponseCacheStore(
                                dataDir.resolve("cache"),
                                dev.spendgate.embedded.FileResponseCacheStore.DEFAULT_HOT_BYTES,
                                limits.maxAnswers(),
                                limits.maxBytes()),
                        clock),
                clock);
    }

    /**
     * Policy, ledger, alert-marker and reservation-journal files under {@code dataDir/budgets/}; velocity counters in
     * memory; {@code alerts} behind {@link HeldAlerts} on {@code dataDir/alerts-outbox/}. The ledger and the journal are kept in memory and written by {@code flush} (every second) and on close.
     */
    public static BudgetStores budgets(Path dataDir, AlertSink alerts) {
        return budgets(dataDir, alerts, false);
    }

    /**
     * As {@link #budgets(Path, AlertSink)}. The ledger journals each settlement ({@code syncEachCommit}: forced to the
     * device before the call is answered), so settled spend survives a crash, and the reservation journal each
     * admitted call before it is forwarded. Of what a previous process left reserved, this keeps (and {@link
     * GatewayRuntime#chargeCallsOfPreviousProcess()} then charges) the worst case of each call it admitted, named and
     * never settled: it died in flight, and the provider may have billed it. The rest (calls that settled, entries that
     * name no call) is released, before any call of this process.
     */
    public static BudgetStores budgets(Path dataDir, AlertSink alerts, boolean syncEachCommit) {
        Path dir = dataDir.resolve("budgets");
        FileBudgetPolicyStore policies = new FileBudgetPolicyStore(dir.resolve("policies.json"));
        // a hand-edited file that does not load stops the start, naming the field, rather than failing every call
        policies.list();
        FileBudgetLedger ledger = new FileBudgetLedger(dir.resolve("ledger.json"), syncEachCommit);
        FileReservationJournal journal;
        try {
            journal = new FileReservationJournal(dir.resolve("reservations.json"), syncEachCommit);
        } catch (RuntimeException e) {
            ledger.close(); // releases its file, so the caller can retry once the journal file is fixed
            throw e;
        }
        java.util.Set<String> settled = ledger.settledReservations();
        java.util.List<dev.spendgate.domain.budget.ReservationJournal.OpenReservation> inFlight =
                journal.retain(open -> open.call() != null && !settled.contains(open.id()));
        java.util.Map<String, java.math.BigDecimal> held = new java.util.HashMap<>();
        for (var open : inFlight) {
            for (String item : open.itemKeys()) {
                held.merge(item, open.amount(), java.math.BigDecimal::add);
            }
        }
        FileBudgetLedger.Released released = ledger.resetReservations(held);
        if (released.items() > 0 || !inFlight.isEmpty()) {
            Log.warn(
                    null,
                    "released $" + released.amount().toPlainString() + " reserved on " + released.items()
                            + " budget items by calls that settled or never reached a provider; " + inFlight.size()
                            + " calls were in flight when the previous gateway stopped and are charged at their"
                            + " worst case");
        }
        // an alert due once is held in the outbox before its marker is written; after the ledger's lock, what a killed
        // gateway left held is settled: sent when its marker is unset or its own
        FileOnceMarker marker = new FileOnceMarker(dir.resolve("alerts.json"));
        HeldAlerts heldAlerts = new HeldAlerts(
                alerts, new dev.spendgate.embedded.FileAlertOutbox(dataDir.resolve("alerts-outbox")), marker);
        heldAlerts.settleLeftOver(java.time.Duration.ZERO);
        // flush: journal first, so each reservation in the ledger file is in the journal file unless opened in between;
        // but a settlement the ledger's journal could not take yet (a full disk) goes to disk first: the reservation
        // journal's flush forgets the call's entry, and a kill between the two would leave the call in neither
        return new BudgetStores(policies, ledger, new InMemoryRateCounter(), marker, journal, heldAlerts, () -> {
            if (ledger.settlementsPending()) {
                ledger.flush(); // throws while the disk is still full: the journal keeps its admission log
            }
            journal.flush();
            ledger.flush();
        });
    }
}
