package dev.spendgate.domain.report;

import java.util.List;

/** Sends a ready MIME message: SMTP locally, SES (raw message) in AWS. */
public interface MailTransport {

    /**
     * Sends {@code rawMime} from {@code from} to every recipient the mail service takes; throws {@link MailException}
     * when it took the message for none of them.
     *
     * @return the recipients the mail service refused (the others have the message)
     */
    Delivery send(String from, List<String> recipients, byte[] rawMime);

    /** A message the mail service took: {@code refused} lists the recipients it would not take (usually none). */
    record Delivery(List<String> refused) {
        public static final Delivery TO_ALL = new Delivery(List.of());

        public Delivery {
            refused = List.copyOf(refused);
        }
    }

    /**
     * The message could not be handed to the mail service. When {@link #maybeSent()}, the whole message left and the
     * failure came before the service's answer (a lost connection, a timeout), or the service took it for some of the
     * recipients and not the others (a list sent in groups, one group failing): some may have the message, so
     * sending again may deliver it twice.
     */
    final class MailException extends RuntimeException {
        private final boolean maybeSent;

        public MailException(String message, Throwable cause) {
            this(message, cause, false);
        }

        private MailException(String message, Throwable cause, boolean maybeSent) {
            super(message, cause);
            this.maybeSent = maybeSent;
        }

        /** The whole message left and whether the mail service took it is unknown, or it took it for some only. */
        public static MailException maybeSent(String message, Throwable cause) {
            return new MailException(message, cause, true);
        }

        public boolean maybeSent() {
            return maybeSent;
        }
    }
}
