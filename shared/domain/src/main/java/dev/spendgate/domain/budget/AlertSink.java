package dev.spendgate.domain.budget;

/** Where budget alerts go: SNS in AWS, a Slack-compatible webhook, or the log locally. */
public interface AlertSink {

    void send(BudgetAlert alert);
}
