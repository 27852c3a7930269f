package dev.spendgate.domain.budget;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link AlertSink} that keeps what it is sent, in order. */
public final class RecordingAlertSink implements AlertSink {
    private final List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
    private final List<Notice> notices = new CopyOnWriteArrayList<>();

    @Override
    public void send(BudgetAlert alert) {
        alerts.add(alert);
    }

    @Override
    public void send(Notice notice) {
        notices.add(notice);
    }

    public List<BudgetAlert> alerts() {
        return List.copyOf(alerts);
    }

    public List<Notice> notices() {
        return List.copyOf(notices);
    }
}
