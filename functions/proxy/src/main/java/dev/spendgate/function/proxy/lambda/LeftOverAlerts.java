package dev.spendgate.function.proxy.lambda;

import dev.spendgate.function.proxy.budget.BackgroundAlertSink;
import dev.spendgate.function.proxy.budget.HeldAlerts;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Between invocations, sends the alerts another Lambda environment kept in the budgets table and never finished
 * delivering (frozen for good mid-retry: reclaimed, or not invoked again): a minute after this environment starts, then
 * every {@link #EVERY}. Each look is a GetItem of the outbox's index; of several environments finding one alert, one
 * claims and sends it ({@code DynamoDbAlertOutbox#claim}). With several invocations at once (Lambda Managed Instances)
 * only the one that moves the mark looks.
 */
public final class LeftOverAlerts implements Runnable {
    static final Duration FIRST = Duration.ofMinutes(1);
    static final Duration EVERY = Duration.ofMinutes(5);

    private final BackgroundAlertSink alerts;
    private final HeldAlerts held;
    private final LongSupplier nanoTime;
    private final AtomicLong dueAt;

    public LeftOverAlerts(BackgroundAlertSink alerts, LongSupplier nanoTime) {
        this(alerts, null, nanoTime);
    }

    /** Also settles the alerts {@code held} (null: none) that an environment frozen for good left held. */
    public LeftOverAlerts(BackgroundAlertSink alerts, HeldAlerts held, LongSupplier nanoTime) {
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.held = held;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.dueAt = new AtomicLong(nanoTime.getAsLong() + FIRST.toNanos());
    }

    @Override
    public void run() {
        long now = nanoTime.getAsLong();
        long due = dueAt.get();
        if (now - due < 0 || !dueAt.compareAndSet(due, now + EVERY.toNanos())) {
            return;
        }
        if (held != null) {
            held.settleLeftOver(BackgroundAlertSink.LEFT_OVER_AGE); // logs, never throws
        }
        alerts.resendLeftOver(); // logs, never throws, when the outbox cannot be read
    }
}
