package dev.spendgate.domain.report;

import java.util.List;

/** Sends a ready MIME message: SMTP locally, SES (raw message) in AWS. */
public interface MailTransport {

    /** Sends {@code rawMime} from {@code from} to every recipient; throws {@link MailException} when it cannot. */
    void send(String from, List<String> recipients, byte[] rawMime);

    /** The message could not be handed to the mail service. */
    final class MailException extends RuntimeException {
        public MailException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
