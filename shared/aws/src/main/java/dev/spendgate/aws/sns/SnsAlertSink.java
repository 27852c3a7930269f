package dev.spendgate.aws.sns;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.logging.JsonLogger;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Budget alerts published to an SNS topic: the message is the alert's sentence, with the policy, threshold and
 * figures as message attributes so subscriptions can filter. A failed publish is reported on standard error, never
 * thrown: alerts must not fail calls.
 */
public final class SnsAlertSink implements AlertSink {
    private static final JsonLogger LOG = JsonLogger.create("aws-sns");

    private final SnsClient sns;
    private final String topicArn;

    public SnsAlertSink(SnsClient sns, String topicArn) {
        this.sns = Objects.requireNonNull(sns, "sns");
        this.topicArn = Objects.requireNonNull(topicArn, "topicArn");
    }

    @Override
    public void send(BudgetAlert alert) {
        try {
            sns.publish(b -> b.topicArn(topicArn)
                    .subject("Spendgate budget alert: " + alert.policyId() + " at " + alert.thresholdPercent() + " %")
                    .message(alert.message())
                    .messageAttributes(Map.of(
                            "policy", text(alert.policyId()),
                            "threshold_percent", number(Integer.toString(alert.thresholdPercent())),
                            "limit_usd", number(alert.limitUsd().toPlainString()),
                            "spent_usd", number(alert.spentUsd().toPlainString()))));
        } catch (SdkException e) {
            LOG.error("alert.sns_publish_failed")
                    .error(e)
                    .field("kind", "budget_alert")
                    .field("policy", alert.policyId())
                    .log("budget alert not published to SNS");
        }
    }

    /** Publishes the notice: its subject and message, its attributes as string message attributes. */
    @Override
    public void send(Notice notice) {
        Map<String, MessageAttributeValue> attributes = new java.util.LinkedHashMap<>();
        notice.attributes().forEach((k, v) -> attributes.put(k, text(v)));
        try {
            sns.publish(b -> b.topicArn(topicArn)
                    .subject(notice.subject())
                    .message(notice.message())
                    .messageAttributes(attributes));
        } catch (SdkException e) {
            LOG.error("alert.sns_publish_failed")
                    .error(e)
                    .field("kind", notice.attributes().getOrDefault("kind", "notice"))
                    .log("notice not published to SNS");
        }
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder()
                .dataType("String")
                .stringValue(value)
                .build();
    }

    private static MessageAttributeValue number(String value) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(value)
                .build();
    }
}
