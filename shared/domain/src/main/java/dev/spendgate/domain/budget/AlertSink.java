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
     * Holds one of {@code alert} or {@code notice}, due once across instances, before {@code waitingOn}'s once-marker
     * is asked: a sink that keeps deliveries durable (an outbox) keeps it there first, waiting on the marker, so that a
     * process killed between the marker's write and the delivery leaves it to the next start. The caller asks the
     * marker with {@link Held#owner()}, then sends or drops it. This default keeps nothing: sent from memory.
     */
    default Held hold(BudgetAlert alert, Notice notice, AlertOutbox.Waiting waitingOn) {
        AlertSink sink = this;
        return new Held() {
            @Override
            public String owner() {
                return null;
            }

            @Override
            public void send() {
                if (alert != null) {
                    sink.send(alert);
                } else {
                    sink.send(notice);
                }
            }

            @Override
            public void drop() {}
        };
    }

    /** A delivery {@linkplain #hold held} until its once-marker decides. */
    interface Held {
        /** What the once-marker is asked with ({@link OnceMarker#markOnce(String, java.time.Instant, String)}); null: none. */
        String owner();

        /** The marker says this is the first: delivered (and no longer held once the delivery is kept or done). */
        void send();

        /** Another sent it: forgotten. */
        void drop();
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
