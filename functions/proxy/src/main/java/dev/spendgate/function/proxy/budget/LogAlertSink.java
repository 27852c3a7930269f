package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.function.proxy.Log;

/** Budget alerts as WARN log lines: the local default. */
public final class LogAlertSink implements AlertSink {
    @Override
    public void send(BudgetAlert alert) {
        Log.warn(null, "budget alert: " + alert.message());
    }

    @Override
    public void send(Notice notice) {
        Log.warn(null, notice.subject() + ": " + notice.message());
    }
}
