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
 * figures as message attributes so subscriptions can filter. A failed publish is logged, never thrown: alerts must not
 * fail calls; {@link #throwing} makes one that throws instead, for a sender that retries it (the gateway's).
 *
 * <p>SNS refuses a subject of {@value #MAX_SUBJECT_CHARS} characters or more, or one with characters outside printable
 * ASCII. So a subject is made printable ASCII (others become {@code ?}) and a long policy id is cut in the subject
 * with {@code ...}, keeping the threshold; the message and the {@code policy} attribute keep the full id.
 */
public final class SnsAlertSink implements AlertSink {
    private static final JsonLogger LOG = JsonLogger.create("aws-sns");

    /** SNS refuses a {@code Subject} of this many characters or more. */
    static final int MAX_SUBJECT_CHARS = 100;

    private static final String ELLIPSIS = "...";

    private final SnsClient sns;
    private final String topicArn;
    private final boolean throwOnFailure;

    public SnsAlertSink(SnsClient sns, String topicArn) {
        this(sns, topicArn, false);
    }

    private SnsAlertSink(SnsClient sns, String topicArn, boolean throwOnFailure) {
        this.sns = Objects.requireNonNull(sns, "sns");
        this.topicArn = Objects.requireNonNull(topicArn, "topicArn");
        this.throwOnFailure = throwOnFailure;
    }

    /** A sink whose failed publish throws the SDK's exception (nothing logged), for a sender that retries it. */
    public static SnsAlertSink throwing(SnsClient sns, String topicArn) {
        return new SnsAlertSink(sns, topicArn, true);
    }

    @Override
    public void send(BudgetAlert alert) {
        try {
            sns.publish(b -> b.topicArn(topicArn)
                    .subject(alertSubject(alert))
                    .message(alert.message())
                    .messageAttributes(Map.of(
                            "policy", text(alert.policyId()),
                            "scope_value", text(alert.scopeValue()),
                            "period", text(alert.period()),
                            "threshold_percent", number(Integer.toString(alert.thresholdPercent())),
                            "limit_usd", number(alert.limitUsd().toPlainString()),
                            "spent_usd", number(alert.spentUsd().toPlainString()))));
        } catch (SdkException e) {
            if (throwOnFailure) {
                throw e;
            }
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
                    .subject(subject(notice.subject(), ""))
                    .message(notice.message())
                    .messageAttributes(attributes));
        } catch (SdkException e) {
            if (throwOnFailure) {
                throw e;
            }
            LOG.error("alert.sns_publish_failed")
                    .error(e)
                    .field("kind", notice.attributes().getOrDefault("kind", "notice"))
                    .log("notice not published to SNS");
        }
    }

    /** {@code Spendgate budget alert: <policy id> at N %}, the policy id cut to fit the SNS limit. */
    static String alertSubject(BudgetAlert alert) {
        return subject("Spendgate budget alert: " + alert.policyId(), " at " + alert.thresholdPercent() + " %");
    }

    /** {@code head + tail} in printable ASCII, with {@code head} cut (ending in "...") so the whole fits SNS. */
    static String subject(String head, String tail) {
        String h = printableAscii(head);
        String t = printableAscii(tail);
        int room = MAX_SUBJECT_CHARS - 1 - t.length();
        if (h.length() > room) {
            h = h.substring(0, Math.max(0, room - ELLIPSIS.length())) + ELLIPSIS;
        }
        String whole = h + t;
        return whole.length() < MAX_SUBJECT_CHARS ? whole : whole.substring(0, MAX_SUBJECT_CHARS - 1);
    }

    private static String printableAscii(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
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
