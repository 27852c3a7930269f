package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.function.proxy.Log;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends alerts and notices on one background thread, so a slow or failing webhook (or SNS) never holds a call's
 * answer, and retries a failed delivery with a bounded backoff ({@link #BACKOFF}: at once, then 1 s doubling to 30 s,
 * about 2.5 minutes in all) before it logs the alert as lost. The delegate must throw when a delivery failed
 * ({@link WebhookAlertSink}, {@code SnsAlertSink.throwing}). The budget enforcer's once-marker still decides that an
 * alert is sent once per budget, period and threshold; this class makes that one send reach the operator.
 *
 * <p>Pending alerts are held in memory and, with an {@link AlertOutbox}, kept there until their delivery ends: a
 * gateway that stops waits up to {@link #CLOSE_WAIT} for them, and what one killed (or a Lambda environment frozen for
 * good) left in the outbox is sent by {@link #resendLeftOver} in the next process that looks. The thread starts at the
 * first alert: a gateway that sends none runs none.
 */
public final class BackgroundAlertSink implements AlertSink, AutoCloseable {
    /** The delay before each retry of a failed delivery. */
    static final List<Duration> BACKOFF = List.of(
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30));

    /** How long {@link #close} waits for pending deliveries. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /**
     * A kept delivery this old that no delivery of this process holds was left by a process that stopped: the whole
     * backoff (about 2.5 minutes, with each attempt's own timeouts about 4) is over by then.
     */
    public static final Duration LEFT_OVER_AGE = Duration.ofMinutes(5);

    private final AlertSink delivery;
    private final AlertOutbox outbox;
    /** Ids of the kept deliveries this process is making. */
    private final Set<String> own = ConcurrentHashMap.newKeySet();

    private final List<Duration> backoff;
    private final AtomicInteger pending = new AtomicInteger();
    private final Object lock = new Object();
    private ScheduledExecutorService thread; // guarded by lock; started at the first alert
    private boolean closed; // guarded by lock

    public BackgroundAlertSink(AlertSink delivery) {
        this(delivery, AlertOutbox.NONE, BACKOFF);
    }

    /** Deliveries kept in {@code outbox} until they end, so a gateway killed mid-retry sends them when it starts. */
    public BackgroundAlertSink(AlertSink delivery, AlertOutbox outbox) {
        this(delivery, outbox, BACKOFF);
    }

    BackgroundAlertSink(AlertSink delivery, List<Duration> backoff) {
        this(delivery, AlertOutbox.NONE, backoff);
    }

    BackgroundAlertSink(AlertSink delivery, AlertOutbox outbox, List<Duration> backoff) {
        this.delivery = java.util.Objects.requireNonNull(delivery, "delivery");
        this.outbox = java.util.Objects.requireNonNull(outbox, "outbox");
        this.backoff = List.copyOf(backoff);
    }

    @Override
    public void send(BudgetAlert alert) {
        submit(() -> delivery.send(alert), "budget alert: " + alert.message(), keep(alert, null));
    }

    @Override
    public void send(Notice notice) {
        submit(() -> delivery.send(notice), notice.subject(), keep(null, notice));
    }

    private String keep(BudgetAlert alert, Notice notice) {
        try {
            String id = outbox.keep(alert, notice);
            if (id != null) {
                own.add(id);
            }
            return id;
        } catch (RuntimeException e) {
            // delivered all the same, only not kept through a stop
            Log.warn(null, "alert not kept in the outbox (" + e.getMessage() + "), delivering it from memory only");
            return null;
        }
    }

    /**
     * Sends what a stopped process left in the outbox (kept at least {@link #LEFT_OVER_AGE} ago, not this process's),
     * now and once more when the youngest of them is old enough; returns how many it sent now.
     */
    public int resendLeftOver() {
        return resendLeftOver(LEFT_OVER_AGE);
    }

    int resendLeftOver(Duration age) {
        // taken before the listing: a delivery of this process that ends meanwhile leaves the outbox before it leaves
        // own (ended), so the listing either lacks it or this copy still holds it; never sent twice
        Set<String> ownBefore = Set.copyOf(own);
        List<AlertOutbox.Kept> left;
        try {
            left = outbox.olderThan(Duration.ZERO);
        } catch (RuntimeException e) {
            Log.warn(null, "the alert outbox cannot be read (" + e.getMessage() + "): left-over alerts not sent");
            return 0;
        }
        java.time.Instant cutoff = java.time.Instant.now().minus(age);
        int sent = 0;
        boolean younger = false;
        for (AlertOutbox.Kept kept : left) {
            if (ownBefore.contains(kept.id()) || own.contains(kept.id()) || kept.waitingOn() != null) {
                continue; // a held one waits on its once-marker: HeldAlerts settles it
            }
            if (kept.since().isAfter(cutoff)) {
                younger = true; // perhaps another running process's: looked at again once it is old enough
                continue;
            }
            if (!claimed(kept.id(), age)) {
                continue; // another process resends it
            }
            own.add(kept.id());
            if (kept.alert() != null) {
                submit(
                        () -> delivery.send(kept.alert()),
                        "budget alert: " + kept.alert().message(),
                        kept.id());
            } else {
                submit(() -> delivery.send(kept.notice()), kept.notice().subject(), kept.id());
            }
            sent++;
        }
        if (younger) {
            ScheduledExecutorService executor = executor();
            if (executor != null) {
                executor.schedule(() -> resendLeftOver(age), age.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return sent;
    }

    private boolean claimed(String id, Duration age) {
        try {
            return outbox.claim(id, age);
        } catch (RuntimeException e) {
            Log.warn(null, "a left-over alert could not be claimed (" + e.getMessage() + "); tried again later");
            return false;
        }
    }

    private ScheduledExecutorService executor() {
        synchronized (lock) {
            if (closed) {
                return null;
            }
            if (thread == null) {
                ScheduledThreadPoolExecutor created = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "spendgate-alerts");
                    t.setDaemon(true);
                    return t;
                });
                created.setRemoveOnCancelPolicy(true);
                thread = created;
            }
            return thread;
        }
    }

    private void submit(Runnable deliver, String what, String id) {
        ScheduledExecutorService executor;
        synchronized (lock) {
            if (closed) {
                Log.warn(
                        null,
                        "alert sent after shutdown, not delivered" + (id == null ? "" : " (kept for the next start)")
                                + ": " + what);
                return;
            }
        }
        executor = executor();
        if (executor == null) {
            return; // closed meanwhile; kept for the next start
        }
        pending.incrementAndGet();
        executor.execute(() -> attempt(executor, deliver, what, id, 0));
    }

    private void attempt(ScheduledExecutorService executor, Runnable deliver, String what, String id, int failures) {
        try {
            deliver.run();
            ended(id);
            done();
        } catch (UnsupportedOperationException e) {
            Log.error(null, "alert sink cannot carry this, not delivered: " + what, e);
            ended(id);
            done();
        } catch (RuntimeException e) {
            if (failures >= backoff.size()) {
                Log.error(null, "alert lost after " + (failures + 1) + " failed deliveries: " + what, e);
                ended(id);
                done();
                return;
            }
            Log.warn(
                    null,
                    "alert delivery failed (" + e.getMessage() + "), retrying in "
                            + backoff.get(failures).toMillis() + " ms: " + what);
            try {
                executor.schedule(
                        () -> attempt(executor, deliver, what, id, failures + 1),
                        backoff.get(failures).toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) {
                Log.error(null, "alert not delivered, the gateway is stopping (kept for the next start): " + what, e);
                done();
            }
        }
    }

    /** The delivery ended (sent, or given up and logged): the outbox forgets it. */
    private void ended(String id) {
        if (id == null) {
            return;
        }
        try {
            outbox.remove(id);
        } catch (RuntimeException e) {
            Log.warn(null, "a delivered alert stays in the outbox (" + e.getMessage() + "): it may be sent again");
        } finally {
            own.remove(id); // after the outbox: resendLeftOver's listing must not find it while it is not own
        }
    }

    private void done() {
        if (pending.decrementAndGet() == 0) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /** How many alerts wait for delivery or a retry. */
    public int pending() {
        return pending.get();
    }

    /**
     * Waits until no alert is pending or {@code max} has passed; true when none is. The Lambda runtime calls it after
     * each invocation (the client has its answer), so a frozen environment holds as few pending alerts as it can.
     */
    public boolean awaitIdle(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (lock) {
            while (pending.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Waits up to {@link #CLOSE_WAIT} for pending alerts, then stops; what is still pending is logged as lost. */
    @Override
    public void close() {
        awaitIdle(CLOSE_WAIT);
        ScheduledExecutorService executor;
        synchronized (lock) {
            closed = true;
            executor = thread;
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        int left = pending.get();
        if (left > 0) {
            Log.warn(null, left + " alerts not delivered before shutdown (their webhook or SNS kept failing)");
        }
    }
}
