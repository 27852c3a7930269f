package dev.spendgate.domain.budget;

import java.util.Map;
import java.util.Objects;

/** Where budget alerts go: SNS in AWS, a Slack-compatible webhook, or the log locally. */
public interface AlertSink {

    void send(BudgetAlert alert);

    /**
     * Sends a notice that is not a budget alert, such as the day's top waste findings. Sinks that only carry budget
     * alerts throw {@link UnsupportedOperationException}, so a notice is never dropped silently.
     */
    default void send(Notice notice) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " only carries budget alerts");
    }

    /**
     * A message for people: a subject line, the text, and figures as attributes subscribers can filter on.
     *
     * @param subject one line, at most 100 characters (the SNS limit)
     */
    record Notice(String subject, String message, Map<String, String> attributes) {
        public Notice {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(message, "message");
            if (subject.isBlank() || subject.length() > 100) {
                throw new IllegalArgumentException("subject must be 1-100 characters");
            }
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
    }
}
