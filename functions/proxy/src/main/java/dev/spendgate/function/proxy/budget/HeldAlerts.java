package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.function.proxy.Log;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps an alert that is due once across instances in the outbox before its once-marker is asked, so a gateway killed
 * between the marker's write and the delivery's own keeping (in {@code delivery}, a {@link BackgroundAlertSink}) still
 * sends it. The budget enforcer {@linkplain AlertSink#hold holds} the alert here, waiting on the marker, sets the
 * marker with the held entry's id as its owner, then sends it through {@code delivery} (which keeps its own entry until
 * the delivery ends) and forgets the held entry, or forgets it when another instance set the marker.
 *
 * <p>{@link #settleLeftOver} settles what a killed process left held: one whose delivery had kept its own entry is
 * forgotten (that entry is sent); any other is sent when the marker, asked again with its id as owner, is unset (killed
 * before asking) or its own (killed after), and forgotten when another's. So each threshold still alerts once per
 * period across instances, and a kill between any two steps loses none; a kill in the moment between the delivery's
 * end and the held entry's removal sends it once more. Other alerts and notices go straight to {@code delivery}.
 */
public final class HeldAlerts implements AlertSink, AutoCloseable {
    private final AlertSink delivery;
    private final AlertOutbox outbox;
    private final OnceMarker marker;
    /** Ids of the entries this process holds now: not left over. */
    private final Set<String> own = ConcurrentHashMap.newKeySet();

    public HeldAlerts(AlertSink delivery, AlertOutbox outbox, OnceMarker marker) {
        this.delivery = Objects.requireNonNull(delivery, "delivery");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.marker = Objects.requireNonNull(marker, "marker");
    }

    /** Where alerts are delivered. */
    public AlertSink delivery() {
        return delivery;
    }

    /** The {@link BackgroundAlertSink} behind {@code alerts} (itself, or what it delivers to), if any. */
    public static java.util.Optional<BackgroundAlertSink> background(AlertSink alerts) {
        AlertSink sink = alerts instanceof HeldAlerts held ? held.delivery : alerts;
        return sink instanceof BackgroundAlertSink background
                ? java.util.Optional.of(background)
                : java.util.Optional.empty();
    }

    @Override
    public void send(BudgetAlert alert) {
        delivery.send(alert);
    }

    @Override
    public void send(Notice notice) {
        delivery.send(notice);
    }

    @Override
    public Held hold(BudgetAlert alert, Notice notice, AlertOutbox.Waiting waitingOn) {
        String id;
        try {
            id = outbox.keep(alert, notice, waitingOn);
        } catch (RuntimeException e) {
            Log.warn(null, "alert not held in the outbox (" + e.getMessage() + "), deciding it from memory only");
            return AlertSink.super.hold(alert, notice, waitingOn);
        }
        own.add(id);
        return new Held() {
            @Override
            public String owner() {
                return id;
            }

            @Override
            public void send() {
                deliver(alert, notice); // throws when not delivered: the entry stays for the next start
                forget(id);
            }

            @Override
            public void drop() {
                forget(id);
            }
        };
    }

    /**
     * Settles the held entries a process that stopped left (held at least {@code age} ago, not this process's): sends
     * each one due (see the class comment) through {@code delivery}; returns how many it sent. Logs, never throws, when
     * the outbox or the marker cannot be read: the entries stay for the next look.
     */
    public int settleLeftOver(Duration age) {
        Set<String> ownBefore = Set.copyOf(own); // as BackgroundAlertSink#resendLeftOver: one ending meanwhile
        List<AlertOutbox.Kept> left;
        try {
            left = outbox.olderThan(age);
        } catch (RuntimeException e) {
            Log.warn(null, "the alert outbox cannot be read (" + e.getMessage() + "): held alerts not settled");
            return 0;
        }
        Set<Object> handedOver = new HashSet<>();
        for (AlertOutbox.Kept kept : left) {
            if (kept.waitingOn() == null) {
                handedOver.add(kept.delivery());
            }
        }
        int sent = 0;
        for (AlertOutbox.Kept kept : left) {
            AlertOutbox.Waiting waiting = kept.waitingOn();
            if (waiting == null || ownBefore.contains(kept.id()) || own.contains(kept.id())) {
                continue;
            }
            try {
                if (handedOver.contains(kept.delivery())) {
                    forget(kept.id()); // its delivery kept its own entry, which is sent
                    continue;
                }
                if (!outbox.claim(kept.id(), age)) {
                    continue; // another process settles it
                }
                if (marker.markOnce(waiting.markerKey(), waiting.markerExpiresAt(), kept.id())) {
                    deliver(kept.alert(), kept.notice());
                    sent++;
                }
                forget(kept.id());
            } catch (RuntimeException e) {
                Log.warn(null, "a held alert could not be settled (" + e.getMessage() + "); tried again later");
            }
        }
        return sent;
    }

    private void deliver(BudgetAlert alert, Notice notice) {
        if (alert != null) {
            delivery.send(alert);
        } else {
            delivery.send(notice);
        }
    }

    private void forget(String id) {
        try {
            outbox.remove(id);
        } catch (RuntimeException e) {
            Log.warn(null, "a held alert stays in the outbox (" + e.getMessage() + "): it may be sent once more");
        } finally {
            own.remove(id); // after the outbox, as BackgroundAlertSink#ended
        }
    }

    @Override
    public void close() throws Exception {
        if (delivery instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
