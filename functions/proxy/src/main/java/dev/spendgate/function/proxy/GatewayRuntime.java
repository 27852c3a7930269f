package dev.spendgate.function.proxy;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.admin.LocalAdminGuard;
import dev.spendgate.function.proxy.batch.BatchApi;
import dev.spendgate.function.proxy.budget.BackgroundAlertSink;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.DegradationChains;
import dev.spendgate.function.proxy.budget.HeldAlerts;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.budget.UnsettledCalls;
import dev.spendgate.function.proxy.budget.WebhookAlertSink;
import dev.spendgate.function.proxy.cache.Optimizations;
import dev.spendgate.function.proxy.cache.PolicyTargets;
import dev.spendgate.function.proxy.console.ConsoleHandler;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.outcome.OutcomesApi;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wired gateway and what keeps its usage log moving: a periodic flush, and delivery of spooled batches once the
 * store is back. Closing it flushes everything.
 */
public final class GatewayRuntime implements AutoCloseable {
    private static final Duration LAMBDA_DRAIN_EVERY = Duration.ofMinutes(1);
    // a new environment's first invocation drains: the spool may hold what an earlier, since recycled one could not
    // deliver, and with bursty traffic a new environment may never live a minute
    private final AtomicLong lastDrainNanos = new AtomicLong(System.nanoTime() - LAMBDA_DRAIN_EVERY.toNanos() - 1);

    private static final Duration SPOOL_DRAIN_INTERVAL = Duration.ofSeconds(15);

    /**
     * Time an invocation must have left after its flush for the spool's drain and the sweep (each may wait for a slow
     * sink up to {@code FirehoseUsageSink.DEFAULT_TIME_LEFT}); with less, the next invocation does them.
     */
    public static final Duration DRAIN_MIN_TIME_LEFT = Duration.ofSeconds(12);

    /**
     * What the spool's drain leaves of the invocation's time: the sweep after it (its records' flush may wait for a
     * slow sink up to {@code FirehoseUsageSink.DEFAULT_TIME_LEFT}, 5 s) and the wait for alerts (2 s). The drain gets
     * the rest, at least 5 s; what it does not reach waits for the next drain.
     */
    static final Duration DRAIN_LEAVES = Duration.ofSeconds(7);

    private final Gateway gateway;
    private final ProviderRouter providers;
    private final List<Runnable> betweenInvocations = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final UsageLogWriter usageLog;
    private final BudgetStores budgetStores;
    private final BudgetGate budgetGate;
    private final AdminApi admin;
    private final Router router;
    private final ScheduledExecutorService scheduler;
    /** Collects ended batches' results ({@link BatchApi#sweepEnded}) off the flush thread: it waits on providers. */
    private final ScheduledExecutorService batchSweeper;

    private final BatchApi batches;
    /** How often the local gateway collects the results of ended batches, the first time a minute after its start. */
    static final Duration BATCH_SWEEP_INTERVAL = Duration.ofMinutes(10);

    private final ConsoleHandler console;
    private final Clock clock;
    private final java.math.BigDecimal worstCaseAlertUsd; // null: never
    /**
     * The request ids of the records found in the usage journal at start (the previous process's last ones), until
     * {@link #chargeCallsOfPreviousProcess()}: a call it charged whose own record is among them needs no estimate.
     */
    private volatile java.util.Set<String> recordedByPreviousProcess = java.util.Set.of();

    private GatewayRuntime(
            Gateway gateway,
            ProviderRouter providers,
            OutcomesApi outcomes,
            BatchApi batches,
            UsageLogWriter usageLog,
            BudgetStores budgetStores,
            BudgetGate budgetGate,
            AdminApi admin,
            ConsoleHandler console,
            Clock clock,
            Duration flushInterval,
            java.math.BigDecimal worstCaseAlertUsd) {
        this.clock = clock;
        this.worstCaseAlertUsd = worstCaseAlertUsd;
        this.admin = admin;
        this.console = console;
        this.gateway = gateway;
        this.providers = providers;
        this.router = new Router(gateway, outcomes, admin, console, batches);
        this.batches = batches;
        this.usageLog = usageLog;
        this.budgetStores = budgetStores;
        this.budgetGate = budgetGate;
        if (flushInterval == null) {
            this.scheduler = null;
            this.batchSweeper = null;
        } else {
            this.batchSweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spendgate-batch-sweep");
                t.setDaemon(true);
                return t;
            });
            batchSweeper.scheduleWithFixedDelay(
                    this::sweepBatchesQuietly, 60, BATCH_SWEEP_INTERVAL.toSeconds(), TimeUnit.SECONDS);
            this.scheduler = Executors.newSingleThreadScheduledExecutor(flushThreads());
            // full buffers are written on this thread too, so no call waits for the store (bench/RESULTS.md)
            usageLog.flushInBackground(task -> scheduler.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    Log.error(null, "usage log flush failed", e);
                }
            }));
            scheduler.scheduleWithFixedDelay(
                    this::flushQuietly, flushInterval.toMillis(), flushInterval.toMillis(), TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(this::flushBudgetsQuietly, 1000, 1000, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(this::syncJournalQuietly, 1000, 1000, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(this::sweepQuietly, 30, 30, TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(
                    this::drainQuietly,
                    SPOOL_DRAIN_INTERVAL.toMillis(),
                    SPOOL_DRAIN_INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Wires a gateway from its parts. With a {@code flushInterval} the log is flushed in the background (a long
     * running server); without one the caller flushes (a Lambda, after each invocation).
     */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            BudgetStores budgets,
            Clock clock,
            Duration flushInterval) {
        return create(config, keys, store, spool, UsageJournal.NONE, budgets, clock, flushInterval);
    }

    /**
     * As above, with a {@code journal} that makes each usage record durable before its call is answered; segments an
     * earlier process left in it are delivered here, before any call.
     */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            UsageJournal journal,
            BudgetStores budgets,
            Clock clock,
            Duration flushInterval) {
        return create(config, keys, store, UsageSink.objectStore(store), spool, journal, budgets, clock, flushInterval);
    }

    /**
     * As above, with usage batches handed to {@code usageSink} (a Firehose stream in AWS) instead of written to
     * {@code store}, which keeps the other objects (outcomes).
     */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSink usageSink,
            UsageSpool spool,
            UsageJournal journal,
            BudgetStores budgets,
            Clock clock,
            Duration flushInterval) {
        Optimizations none = Optimizations.none(clock);
        return create(config, keys, store, usageSink, spool, journal, budgets, none, clock, flushInterval);
    }

    /** As above, with routing rules, the response cache and prompt caching from {@code optimizations}. */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            UsageJournal journal,
            BudgetStores budgets,
            Optimizations optimizations,
            Clock clock,
            Duration flushInterval) {
        UsageSink sink = UsageSink.objectStore(store);
        return create(config, keys, store, sink, spool, journal, budgets, optimizations, clock, flushInterval);
    }

    /** The full wiring: a usage sink and the optimizations, as the AWS runtime gives them. */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSink usageSink,
            UsageSpool spool,
            UsageJournal journal,
            BudgetStores budgets,
            Optimizations optimizations,
            Clock clock,
            Duration flushInterval) {
        PricingCatalog pricing = ConfiguredPricing.load(config);
        dev.spendgate.domain.pricing.CatalogFreshness.warning(pricing, java.time.LocalDate.now(clock))
                .ifPresent(w -> Log.warn(null, w));
        ProviderRouter providers = new ProviderRouter(config.providers());
        // before anything is opened: a policy file routing to another provider's or an unpriced model is set aside
        // (logged); a policy given in code that does stops the start (Optimizations#checkPolicyWith)
        optimizations.checkPolicyWith(new PolicyTargets(providers, pricing));
        UsageLogWriter usageLog = UsageLogWriter.create(usageSink, spool, journal, clock, config.flushMaxRecords());
        usageLog.setListener(new LoggingFlushListener());
        java.util.Set<String> recordedBefore = new java.util.HashSet<>();
        usageLog.recoverJournal(recordedBefore::add);
        DegradationChains chains = DegradationChains.parse(config.budgets().degradeChains());
        ConfiguredPricing.requireChainsPriced(chains, config, pricing);
        CostEstimator estimator = new CostEstimator(
                pricing,
                config.budgets().defaultMaxOutputTokens(),
                config.budgets().reserveUnaskedAtDearest());
        BudgetGate budgetGate = new BudgetGate(
                new BudgetEnforcer(
                        budgets.policies(),
                        budgets.ledger(),
                        budgets.marker(),
                        budgets.alerts(),
                        budgets.journal(),
                        config.budgets().reservationTtl(),
                        clock),
                estimator,
                chains,
                budgets.counter(),
                config.budgets().sessionCallsPerMinute(),
                config.budgets().keyCallsPerMinute(),
                clock);
        Gateway gateway = new Gateway(
                keys,
                providers,
                pricing,
                usageLog,
                new UpstreamClient(Duration.ofSeconds(10), config.upstreamTimeout()),
                clock,
                config.maxBodyBytes(),
                new BodyMemory(config.bodyMemoryBytes()),
                budgetGate,
                optimizations,
                dev.spendgate.function.proxy.batch.BatchOwners.fileAccess(store));
        OutcomesApi outcomes = new OutcomesApi(keys, store, clock);
        LocalAdminGuard localAdmin = LocalAdminGuard.of(config.adminToken(), config.allowedHosts(), clock);
        AdminApi admin =
                new AdminApi(budgets.policies(), budgets.ledger(), keys, localAdmin, clock, config.maxBodyBytes());
        optimizations.reloadingPolicy().ifPresent(p -> admin.servePolicy(p.store(), p.check()));
        ConsoleHandler console = new ConsoleHandler(admin, store, keys, budgets.policies(), pricing, localAdmin, clock);
        BatchApi batches = new BatchApi(
                keys,
                providers,
                store,
                pricing,
                estimator,
                usageLog,
                budgetGate,
                budgets.policies(),
                config.upstreamTimeout(),
                clock,
                config.maxBodyBytes(),
                gateway.bodyMemory());
        GatewayRuntime runtime = new GatewayRuntime(
                gateway,
                providers,
                outcomes,
                batches,
                usageLog,
                budgets,
                budgetGate,
                admin,
                console,
                clock,
                flushInterval,
                config.budgets().worstCaseAlertUsd());
        runtime.recordedByPreviousProcess = recordedBefore;
        return runtime;
    }

    /**
     * A Slack-compatible webhook when {@code SPENDGATE_ALERT_WEBHOOK_URL} is set (sent and retried in the background),
     * else the log.
     */
    public static AlertSink alertSink(ProxyConfig config) {
        return alertSink(config, dev.spendgate.domain.budget.AlertOutbox.NONE);
    }

    /**
     * As {@link #alertSink(ProxyConfig)}, a webhook's deliveries kept in {@code outbox} until they end; the caller
     * sends what a stopped process left there ({@link BackgroundAlertSink#resendLeftOver}) once it knows it is the
     * gateway of its data (after taking its locks).
     */
    public static AlertSink alertSink(ProxyConfig config, dev.spendgate.domain.budget.AlertOutbox outbox) {
        String webhook = config.alertWebhookUrl();
        return webhook == null
                ? new LogAlertSink()
                : new BackgroundAlertSink(new WebhookAlertSink(java.net.URI.create(webhook)), outbox);
    }

    /** The web console the router serves under {@code /console} and {@code /admin/console}. */
    public ConsoleHandler console() {
        return console;
    }

    public Gateway gateway() {
        return gateway;
    }

    public UsageLogWriter usageLog() {
        return usageLog;
    }

    /** The providers calls are routed to, with the keys they are sent with. */
    public ProviderRouter providers() {
        return providers;
    }

    /**
     * Adds {@code task} to what {@link #afterInvocation} runs after each Lambda invocation (the task decides whether it
     * is due); a task that throws is logged and does not stop the others.
     */
    public void betweenInvocations(Runnable task) {
        betweenInvocations.add(java.util.Objects.requireNonNull(task, "task"));
    }

    /** The front door of every carrier: admin, outcomes and the gateway. */
    public Router router() {
        return router;
    }

    /** The admin API over this runtime's budget stores. */
    public AdminApi admin() {
        return admin;
    }

    public BudgetStores budgetStores() {
        return budgetStores;
    }

    /** Stops background work and writes every buffered record (to the store, or the spool if it is down). */
    @Override
    public void close() {
        if (batchSweeper != null) {
            // a sweep records through the usage log: it ends after its current batch, before the log closes. Not
            // interrupted: an interrupt mid-append closes the journal's file channel for the whole process. One that
            // outlasts the wait (a large results file) is unmarked, so the next start sweeps that batch again.
            batches.stopSweeping();
            batchSweeper.shutdown();
            try {
                if (!batchSweeper.awaitTermination(10, TimeUnit.SECONDS)) {
                    Log.warn(
                            null,
                            "a batch results sweep still runs at the stop; the next start sweeps its batch again");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (scheduler != null) {
            scheduler.shutdown();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            usageLog.close(); // flushes; what the store and the spool refuse stays in the journal for the next start
        } catch (RuntimeException e) {
            Log.error(null, "usage log did not close cleanly; its journal keeps the records", e);
        }
        drainQuietly();
        budgetGate.close();
        try {
            budgetStores.close();
        } catch (RuntimeException e) {
            Log.error(null, "budget stores did not close cleanly", e);
        }
    }

    /**
     * What a Lambda handler does after each invocation (there is no background thread between invocations): writes
     * the buffered usage records, and about once a minute delivers spooled records and releases orphaned reservations.
     */
    /** How long a Lambda invocation's end waits for the alerts it sent (a retry continues at the next one). */
    private static final java.time.Duration LAMBDA_ALERT_WAIT = java.time.Duration.ofSeconds(2);

    /** What the wait for a pending alert leaves of the invocation's time, so that Lambda never times it out. */
    static final Duration ALERT_WAIT_LEAVES = Duration.ofMillis(500);

    /**
     * How long an invocation with {@code left} of its time (null: unknown) waits for a pending alert: at most
     * {@link #LAMBDA_ALERT_WAIT}, and never into the last {@link #ALERT_WAIT_LEAVES}. Waiting past the deadline would
     * have Lambda time the invocation out and reset the environment, losing the records a failed flush left buffered
     * (the alert itself stays in the outbox for the next invocation).
     */
    static Duration alertWait(Duration left) {
        if (left == null) {
            return LAMBDA_ALERT_WAIT;
        }
        Duration room = left.minus(ALERT_WAIT_LEAVES);
        return room.isNegative() ? Duration.ZERO : room.compareTo(LAMBDA_ALERT_WAIT) < 0 ? room : LAMBDA_ALERT_WAIT;
    }

    public void afterInvocation() {
        afterInvocation(null);
    }

    /**
     * As {@link #afterInvocation()} within {@code timeLeft}, the invocation's time before its deadline (null: unknown):
     * the usage records go to the sink within it less the spool's share, else straight to the spool
     * ({@link UsageLogWriter#flushWithin(Duration)}), so they are durable before Lambda ends the invocation. The spool's
     * drain and the sweep wait for an invocation with {@link #DRAIN_MIN_TIME_LEFT} left.
     */
    public void afterInvocation(Duration timeLeft) {
        afterInvocation(timeLeft, false);
    }

    /**
     * As {@link #afterInvocation(Duration)} for one of several invocations that run at once in this environment
     * (Lambda Managed Instances), which enforce no timeout and keep the environment serving past a deadline: the usage
     * records' flush has no bound but the sink's and the spool's own, so a call that ends at or past its deadline is in
     * the sink or the spool before its worker takes the next event, not left in memory for a later invocation. The
     * spool's drain and the sweep still keep within {@code timeLeft}. Nor does it wait for pending alerts: the
     * environment is not frozen between invocations, so the alerts' thread goes on while the worker takes its next
     * event, and a wait would only hold every call's worker while SNS or the webhook fails.
     */
    public void afterConcurrentInvocation(Duration timeLeft) {
        afterInvocation(timeLeft, true);
    }

    private void afterInvocation(Duration timeLeft, boolean concurrent) {
        long started = System.nanoTime();
        try {
            usageLog.flushWithin(concurrent ? null : timeLeft);
        } catch (RuntimeException e) {
            Log.error(null, "usage flush after invocation failed; records stay buffered", e);
        }
        long last = lastDrainNanos.get();
        long now = System.nanoTime();
        Duration left = timeLeft == null ? null : timeLeft.minusNanos(now - started);
        boolean time = left == null || left.compareTo(DRAIN_MIN_TIME_LEFT) > 0;
        // With several invocations at once (Lambda Managed Instances) only the one that moves the mark drains.
        if (time && now - last > LAMBDA_DRAIN_EVERY.toNanos() && lastDrainNanos.compareAndSet(last, now)) {
            drainQuietly(left == null ? null : left.minus(DRAIN_LEAVES));
            sweepQuietly(); // also when the drain failed (the spool unreadable): its records may still reach the sink
        }
        BackgroundAlertSink background =
                HeldAlerts.background(budgetStores.alerts()).orElse(null);
        if (!concurrent && background != null) {
            // the client has its answer: give a pending alert a moment before Lambda may freeze the environment
            Duration wait = alertWait(timeLeft == null ? null : timeLeft.minusNanos(System.nanoTime() - started));
            if (wait.isPositive()) {
                background.awaitIdle(wait);
            }
        }
        for (Runnable task : betweenInvocations) {
            try {
                task.run();
            } catch (RuntimeException e) {
                Log.error(null, "a task between invocations failed", e);
            }
        }
    }

    /** The provider batch API this gateway serves ({@link BatchApi#sweepEnded} collects ended batches' results). */
    public BatchApi batches() {
        return batches;
    }

    private void sweepBatchesQuietly() {
        try {
            batches.sweepEnded();
        } catch (RuntimeException e) {
            Log.error(null, "batch results sweep failed", e);
        }
    }

    /**
     * Ends orphaned reservations; the Lambda handler calls this between invocations too. A call that never settled is
     * charged at its worst case, after its usage record ({@link UnsettledCalls}) is durable: in the usage journal
     * locally, handed to the store or the spool in AWS. A record that cannot be made durable keeps its entry for the
     * next sweep.
     */
    public void sweepQuietly() {
        try {
            report(budgetGate.sweep(this::recordUnsettled));
        } catch (RuntimeException e) {
            Log.error(null, "budget reservation sweep failed", e);
        }
    }

    /**
     * Charges every call left in flight by the previous process (the local gateway, whose journal is its own, calls
     * this at start before serving): the sweeper's rule without waiting for the TTL, since those calls died with the
     * process. Each call's usage record is made durable first; then the stores are flushed, so a second start finds
     * nothing to charge. They are flushed even when nothing was charged: the start may have released reservations of
     * calls that settled after the previous process's last flush, and what {@code spendgate budgets} reads (the
     * files) must show the state this process serves from, not a reservation already given back.
     */
    public BudgetEnforcer.Swept chargeCallsOfPreviousProcess() {
        BudgetEnforcer.Swept swept = budgetGate.sweepAll(this::recordUnsettled);
        recordedByPreviousProcess = java.util.Set.of();
        report(swept);
        budgetStores.flush().run();
        return swept;
    }

    /** The log event of a sweep in which the budget store refused writes (retried at the next sweep). */
    public static final String SWEEP_FAILED_EVENT = "proxy.sweeper.failed";

    /** The log event of a sweep that charged calls at their worst case. */
    public static final String WORST_CASE_EVENT = "proxy.sweeper.worst_case_charged";

    /**
     * Tells people (the alert sink: SNS, the webhook or the log) that calls were charged at their worst case, with the
     * amount, once a sweep charges at least {@code SPENDGATE_WORST_CASE_ALERT_USD}. Never fails the sweep.
     */
    private void alertWorstCase(BudgetEnforcer.Swept swept) {
        java.math.BigDecimal threshold = worstCaseAlertUsd;
        if (threshold == null || swept.chargedUsd().compareTo(threshold) < 0) {
            return;
        }
        String usd = swept.chargedUsd().toPlainString();
        try {
            budgetStores
                    .alerts()
                    .send(new dev.spendgate.domain.budget.AlertSink.Notice(
                            "Spendgate charged " + swept.charged() + " unsettled calls at worst case ($" + usd + ")",
                            swept.charged() + " calls ended without a settlement (the gateway stopped between"
                                    + " forwarding and recording them) and were charged to their budgets at the worst"
                                    + " case reserved before forwarding: $" + usd + " in all. Their usage records say"
                                    + " cost_basis reserved_worst_case; the provider's bill has the actual cost.",
                            java.util.Map.of(
                                    "kind",
                                    "worst_case_charged",
                                    "charged_calls",
                                    Integer.toString(swept.charged()),
                                    "worst_case_usd",
                                    usd,
                                    "threshold_usd",
                                    threshold.toPlainString())));
        } catch (RuntimeException e) {
            Log.error(null, "worst-case charge alert failed", e);
        }
    }

    /** The sweeper's {@code recordFirst}: the call's worst-case record, durable before its entry is charged. */
    private void recordUnsettled(dev.spendgate.domain.budget.ReservationJournal.OpenReservation open) {
        if (recordedByPreviousProcess.contains(open.call().requestId())) {
            // the local gateway appends a call's record before its settlement: killed in between, the call's own
            // record is durable (and readers would keep it over an estimate), its worst case is still charged
            return;
        }
        usageLog.append(UnsettledCalls.record(open, clock.instant()));
        if (!usageLog.journaled()) {
            if (!usageLog.flushSaved()) {
                throw new IllegalStateException("the usage store and the spool refused the record");
            }
        }
    }

    private void report(BudgetEnforcer.Swept swept) {
        if (swept.charged() > 0) {
            String message = "charged " + swept.charged() + " calls that never settled at their reserved worst case ($"
                    + swept.chargedUsd().toPlainString()
                    + "); their usage records say cost_basis reserved_worst_case";
            // worst_case_usd: the CloudWatch metric the stack's alarm sums (infra Operations)
            Log.logger()
                    .warn(WORST_CASE_EVENT)
                    .field("charged_calls", swept.charged())
                    .field("worst_case_usd", swept.chargedUsd())
                    .log(message);
            alertWorstCase(swept);
        }
        if (swept.released() > 0) {
            Log.warn(null, "released " + swept.released() + " orphaned admission-only budget reservations");
        }
        if (swept.kept() > 0) {
            Log.warn(null, swept.kept() + " unsettled calls wait for their usage record to be writable");
        }
        if (swept.recorded() > 0) {
            Log.warn(
                    null,
                    "wrote the usage records of " + swept.recorded() + " calls whose own record may have died"
                            + " with the process that was saving it, settled or under no budget (cost_basis"
                            + " reserved_worst_case; their budgets hold the settled cost and were not charged again)");
        }
        if (swept.failed() > 0) {
            Log.logger()
                    .warn(SWEEP_FAILED_EVENT)
                    .field("failed_entries", swept.failed())
                    .log(swept.failed() + " orphaned reservations could not be ended or fully charged (the budget"
                            + " store refused a write); the sweep went on with the others and the next one retries"
                            + " them");
        }
    }

    /**
     * A virtual thread on Java 24+: the calls a flush holds back for a moment ({@code SnapshotGate}) are woken by this
     * thread, and a wake-up from a virtual thread goes to its carrier's own queue, where one from a platform thread
     * goes to the scheduler's external queue, which a busy carrier read up to seconds late (bench/RESULTS.md). Before
     * 24 a virtual thread that parks inside {@code synchronized} pins its carrier, and a flush waits inside its locks
     * for the calls in flight to leave the gate: with one carrier, none of them could. So a platform thread there.
     */
    static ThreadFactory flushThreads() {
        if (Runtime.version().feature() >= 24) {
            return Thread.ofVirtual().name("spendgate-usage-flush").factory();
        }
        return r -> {
            Thread t = new Thread(r, "spendgate-usage-flush");
            t.setDaemon(true);
            return t;
        };
    }

    private void flushBudgetsQuietly() {
        try {
            budgetStores.flush().run();
        } catch (RuntimeException e) {
            Log.error(null, "budget ledger or journal flush failed", e);
        }
    }

    /** Forces the usage journal to the device, and writes what a failed commit (a full disk) left pending. */
    private void syncJournalQuietly() {
        try {
            if (usageLog.retryJournal()) {
                usageLog.syncJournal();
            }
        } catch (RuntimeException e) {
            Log.error(null, "usage journal sync failed", e);
        }
    }

    private void flushQuietly() {
        try {
            usageLog.flush();
        } catch (RuntimeException e) {
            Log.error(null, "usage log flush failed", e);
        }
    }

    private void drainQuietly() {
        drainQuietly(null);
    }

    /** Drains the spool within {@code timeLeft} (null: until it is empty); a failure is logged. */
    private void drainQuietly(Duration timeLeft) {
        try {
            usageLog.drainSpool(timeLeft);
        } catch (RuntimeException e) {
            Log.error(null, "usage spool drain failed", e);
        }
    }

    private static final class LoggingFlushListener implements UsageLogWriter.FlushListener {
        @Override
        public void storeFailed(String objectKey, RuntimeException cause) {
            Log.warn(
                    null,
                    "usage store unreachable for " + objectKey + " ("
                            + cause.getClass().getSimpleName() + "); batch goes to the spool");
        }

        @Override
        public void spilled(String objectKey, int records) {
            Log.warn(null, records + " usage records spooled as " + objectKey + " until the store is back");
        }

        @Override
        public void spoolFailed(String objectKey, RuntimeException cause) {
            Log.error(null, "usage spool failed too; keeping " + objectKey + " in memory and retrying", cause);
        }

        @Override
        public void recovered(String segmentId, int records, int torn) {
            Log.warn(
                    null,
                    "recovered " + records + " usage records from journal segment " + segmentId
                            + " left by the previous gateway" + (torn > 0 ? " (" + torn + " torn lines skipped)" : ""));
        }

        @Override
        public void recoveredNewerSchema(String segmentId, int lines) {
            Log.warn(
                    null,
                    lines + " usage records in journal segment " + segmentId + " were written by a newer Spendgate"
                            + " (a newer schema_version): delivered as written, not counted by this version;"
                            + " upgrade to count them");
        }

        @Override
        public void journalFailed(RuntimeException cause) {
            Log.error(null, "usage journal could not be rotated or trimmed; its segments are kept", cause);
        }

        @Override
        public void delivered(String objectKey, int records, boolean fromSpool) {
            if (fromSpool) {
                Log.info(null, "delivered spooled usage batch " + objectKey + " (" + records + " records)");
            }
        }
    }
}
