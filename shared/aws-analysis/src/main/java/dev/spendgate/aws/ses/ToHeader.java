package dev.spendgate.aws.ses;

import dev.spendgate.domain.report.MailTransport.MailException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Properties;

/**
 * A raw message's {@code To:} header rewritten to name one group of its recipients. SES counts the addresses in the
 * raw message's To:, CC: and BCC: headers towards its 50 recipients a message, not only the request's destination: a
 * report for 60 sent in groups must name each group alone. The body, attachments and other headers stay byte for byte.
 */
final class ToHeader {
    private static final Session SESSION = Session.getInstance(new Properties());

    private ToHeader() {}

    /** {@code rawMime} with its To: header naming {@code recipients} only. */
    static byte[] naming(byte[] rawMime, List<String> recipients) {
        try {
            MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(rawMime));
            InternetAddress[] to = new InternetAddress[recipients.size()];
            for (int i = 0; i < to.length; i++) {
                to[i] = new InternetAddress(recipients.get(i));
            }
            // only a header changes: the parsed content is written back as it was read
            message.setRecipients(Message.RecipientType.TO, to);
            ByteArrayOutputStream out = new ByteArrayOutputStream(rawMime.length + 64);
            message.writeTo(out);
            return out.toByteArray();
        } catch (MessagingException | IOException e) {
            throw new MailException("cannot address the report email to a group of its recipients: " + e, e);
        }
    }
}
