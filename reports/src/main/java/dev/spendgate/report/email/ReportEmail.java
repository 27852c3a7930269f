package dev.spendgate.report.email;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;

/**
 * Builds the monthly report email as raw MIME: a plain-text body and the files attached, or, when the files together
 * exceed {@code maxAttachmentBytes}, links to them instead (so large months still fit the mail service's limit).
 */
public final class ReportEmail {
    private ReportEmail() {}

    /** One file of the report. */
    public record Attachment(String name, String contentType, byte[] content) {
        public Attachment {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(content, "content");
        }
    }

    /** The composed message and whether the files travel as links. */
    public record Composed(byte[] rawMime, boolean linksInsteadOfAttachments) {}

    /**
     * @param linkFor a URL for each file name, used when the files are too large to attach
     */
    public static Composed compose(
            String from,
            List<String> to,
            String subject,
            String body,
            List<Attachment> files,
            long maxAttachmentBytes,
            Function<String, String> linkFor,
            Date sentAt) {
        long total = files.stream().mapToLong(a -> a.content().length).sum();
        boolean links = total > maxAttachmentBytes;
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
            message.setFrom(new InternetAddress(from));
            for (String recipient : to) {
                message.addRecipient(MimeMessage.RecipientType.TO, new InternetAddress(recipient));
            }
            message.setSubject(subject, "UTF-8");
            message.setSentDate(sentAt);
            MimeMultipart multipart = new MimeMultipart();
            MimeBodyPart text = new MimeBodyPart();
            StringBuilder b = new StringBuilder(body);
            if (links) {
                b.append("\n\nThe files are too large to attach (")
                        .append(total)
                        .append(" bytes); download them here:\n");
                for (Attachment a : files) {
                    b.append("  ")
                            .append(a.name())
                            .append(": ")
                            .append(linkFor.apply(a.name()))
                            .append('\n');
                }
            }
            text.setText(b.toString(), "UTF-8");
            multipart.addBodyPart(text);
            if (!links) {
                for (Attachment a : files) {
                    MimeBodyPart part = new MimeBodyPart();
                    part.setDataHandler(new DataHandler(new ByteArrayDataSource(a.content(), a.contentType())));
                    part.setFileName(a.name());
                    // base64 keeps the files byte-for-byte (text parts would get their line endings rewritten)
                    part.setHeader("Content-Transfer-Encoding", "base64");
                    multipart.addBodyPart(part);
                }
            }
            message.setContent(multipart);
            message.saveChanges();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            message.writeTo(bytes);
            return new Composed(bytes.toByteArray(), links);
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("cannot compose the report email: " + e.getMessage(), e);
        }
    }
}
