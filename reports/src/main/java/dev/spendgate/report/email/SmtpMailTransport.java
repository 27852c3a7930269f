package dev.spendgate.report.email;

import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.logging.JsonLogger;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/** Sends report email through an SMTP server (local runs). The password is used for login only, never logged. */
public final class SmtpMailTransport implements MailTransport {
    private static final JsonLogger LOG = JsonLogger.create("report-email");

    /**
     * How long one write of the message may block: a server that stops reading mid-message (an overloaded relay, a
     * firewall dropping the flow) fails the send after this, rather than hold the run until the Lambda times out or
     * the CLI's cron job forever. RFC 5321 4.5.3.2.5 suggests 3 minutes per data block; a minute without a single
     * buffer taken is already a stalled server, and the send's claim is given back so the retry sends.
     */
    static final java.time.Duration WRITE_TIMEOUT = java.time.Duration.ofSeconds(60);

    /**
     * How long the reply to the end of the message is awaited: RFC 5321 4.5.3.2.6's 10 minutes, as relays scan large
     * attachments before answering. Giving up sooner risks a message the server took being sent again (RFC 1047). A
     * send that fails after the whole message left and before this reply is {@link MailException#maybeSent()}.
     */
    static final java.time.Duration END_OF_DATA_REPLY = java.time.Duration.ofMinutes(10);

    /**
     * How long the transport waits: to connect (10 s), for each reply ({@code read}, 30 s), for each write of the
     * message ({@code write}, {@link #WRITE_TIMEOUT}) and for the reply to the message's end ({@code endOfDataReply},
     * {@link #END_OF_DATA_REPLY}). {@link #DEFAULT} outside tests, which shorten them to see the same failures sooner.
     */
    public record Timeouts(
            java.time.Duration connect,
            java.time.Duration read,
            java.time.Duration write,
            java.time.Duration endOfDataReply) {
        public static final Timeouts DEFAULT = new Timeouts(
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(30), WRITE_TIMEOUT, END_OF_DATA_REPLY);

        public Timeouts {
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(read, "read");
            Objects.requireNonNull(write, "write");
            Objects.requireNonNull(endOfDataReply, "endOfDataReply");
        }
    }

    private final Settings settings;
    private final Timeouts timeouts;
    /** Makes the TLS layer of an implicit-TLS or STARTTLS connection; the JVM's default outside tests. */
    private final javax.net.ssl.SSLSocketFactory tls;

    private SmtpMailTransport(Settings settings, Timeouts timeouts, javax.net.ssl.SSLSocketFactory tls) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.tls = tls;
    }

    public static SmtpMailTransport create(Settings settings) {
        return new SmtpMailTransport(settings, Timeouts.DEFAULT, null);
    }

    /** As {@link #create(Settings)}, waiting as long as {@code timeouts} say. */
    public static SmtpMailTransport create(Settings settings, Timeouts timeouts) {
        return new SmtpMailTransport(settings, timeouts, null);
    }

    /** As {@link #create(Settings)}, trusting the server certificates {@code tls} trusts (a test's own CA). */
    static SmtpMailTransport create(Settings settings, javax.net.ssl.SSLSocketFactory tls) {
        return new SmtpMailTransport(settings, Timeouts.DEFAULT, Objects.requireNonNull(tls, "tls"));
    }

    /**
     * Where and how to connect; {@code user} and {@code password} may be null for an open relay. With {@code
     * implicitTls} the connection is TLS from its first byte (SMTPS, RFC 8314's submission on port 465), and {@code
     * startTls} does not apply; with {@code startTls}, a plain connection must be upgraded before anything is sent. The
     * server's certificate must name the host either way.
     */
    public record Settings(String host, int port, String user, String password, boolean startTls, boolean implicitTls) {
        /** RFC 8314's port for message submission over implicit TLS. */
        public static final int SUBMISSIONS_PORT = 465;

        public Settings {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("SMTP host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("SMTP port must be 1-65535, got " + port);
            }
        }

        /** Implicit TLS on port 465 only (RFC 8314), elsewhere a plain connection, upgraded when {@code startTls}. */
        public Settings(String host, int port, String user, String password, boolean startTls) {
            this(host, port, user, password, startTls, port == SUBMISSIONS_PORT);
        }

        @Override
        public String toString() {
            return "Settings[host=" + host + ", port=" + port + ", user=" + user + ", startTls=" + startTls
                    + ", implicitTls=" + implicitTls + "]";
        }
    }

    @Override
    public Delivery send(String from, List<String> recipients, byte[] rawMime) {
        Properties props = new Properties();
        props.put("mail.smtp.host", settings.host());
        props.put("mail.smtp.port", Integer.toString(settings.port()));
        props.put(
                "mail.smtp.connectiontimeout", Long.toString(timeouts.connect().toMillis()));
        props.put("mail.smtp.timeout", Long.toString(timeouts.read().toMillis()));
        // a server that stops reading mid-message fails the send instead of blocking the run forever
        props.put("mail.smtp.writetimeout", Long.toString(timeouts.write().toMillis()));
        // the envelope sender (MAIL FROM) is the bare address; a display name stays in the message's From header
        props.put("mail.smtp.from", envelopeSender(from));
        // a recipient the server refuses (a leaver's mailbox: 550) does not keep the report from the others
        props.put("mail.smtp.sendpartial", "true");
        if (settings.implicitTls()) {
            // TLS from the first byte; Angus checks the certificate names the host (its default, made explicit)
            props.put("mail.smtp.ssl.enable", "true");
            props.put("mail.smtp.ssl.checkserveridentity", "true");
        } else if (settings.startTls()) {
            props.put("mail.smtp.starttls.enable", "true");
            props.put("mail.smtp.starttls.required", "true");
        }
        boolean auth = settings.user() != null && !settings.user().isBlank();
        if (auth) {
            props.put("mail.smtp.auth", "true");
        }
        FinalReplySmtpTransport.KeptSocket sockets = FinalReplySmtpTransport.sockets(
                tls != null ? tls : (javax.net.ssl.SSLSocketFactory) javax.net.ssl.SSLSocketFactory.getDefault());
        props.put("mail.smtp.socketFactory", sockets);
        props.put("mail.smtp.socketFactory.fallback", "false");
        props.put("mail.smtp.ssl.socketFactory", sockets.tls());
        Session session = Session.getInstance(props);
        FinalReplySmtpTransport transport = FinalReplySmtpTransport.create(session, sockets, timeouts.endOfDataReply());
        try {
            MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(rawMime));
            Address[] to = new Address[recipients.size()];
            for (int i = 0; i < to.length; i++) {
                to[i] = new InternetAddress(recipients.get(i));
            }
            if (auth) {
                transport.connect(settings.host(), settings.port(), settings.user(), settings.password());
            } else {
                transport.connect();
            }
            transport.sendMessage(message, to);
        } catch (MessagingException e) {
            String where = settings.host() + ":" + settings.port();
            if (transport.accepted()) {
                // 250 to the end of the message: delivered to every recipient the server took at RCPT; the others
                // (a leaver's 550) are named, and do not keep the report from the rest (RFC 5321 3.3). Whatever
                // failed after that 250 (the RSET of a partial send on a dropped connection) changes nothing of it.
                close(transport, settings);
                SendFailedException partial = sendFailed(e);
                return partial == null ? Delivery.TO_ALL : new Delivery(refused(partial));
            }
            close(transport, null);
            if (transport.messageLeft() && !transport.accepted() && !FinalReplySmtpTransport.refusedByServer(e)) {
                // the whole message left and no reply says what became of it: the server may be delivering it
                throw MailException.maybeSent(
                        "the report email may have been sent through " + where + ": the whole message left, then "
                                + e.getClass().getSimpleName() + " before the server's reply to it",
                        e);
            }
            List<String> refused = e instanceof SendFailedException f ? refused(f) : List.of();
            throw new MailException(
                    "cannot send the report email through " + where + ": "
                            + e.getClass().getSimpleName()
                            + (refused.isEmpty() ? "" : "; recipients refused: " + String.join(", ", refused)),
                    e);
        }
        // sendMessage returned: the server answered 250 to the end of the message and now owns its delivery
        // (RFC 5321 4.1.1.4). A lost QUIT changes nothing of that; failing here would make the retry send again.
        close(transport, settings);
        return Delivery.TO_ALL;
    }

    /** {@code e}, or an exception chained to it, that names refused recipients; null when none does. */
    private static SendFailedException sendFailed(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException m ? m.getNextException() : null) {
            if (x instanceof SendFailedException f) {
                return f;
            }
        }
        return null;
    }

    /** The recipients the server refused at RCPT, for good (5xx) or for now (4xx), in the order given. */
    private static List<String> refused(SendFailedException failure) {
        List<String> refused = new ArrayList<>();
        for (Address[] addresses :
                List.of(nonNull(failure.getInvalidAddresses()), nonNull(failure.getValidUnsentAddresses()))) {
            for (Address a : addresses) {
                refused.add(a instanceof InternetAddress ia ? ia.getAddress() : a.toString());
            }
        }
        return refused;
    }

    private static Address[] nonNull(Address[] addresses) {
        return addresses == null ? new Address[0] : addresses;
    }

    /** Ends the session (QUIT); a failure is logged when the message was sent ({@code sent} names the server). */
    private static void close(Transport transport, Settings sent) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            if (sent != null) {
                LOG.warn("report.email_quit_failed")
                        .error(e)
                        .field("smtp_host", sent.host())
                        .field("smtp_port", sent.port())
                        .log("report email sent (250 to the end of the message); closing the SMTP session failed,"
                                + " which does not undo the send");
            }
        }
    }

    /** {@code reports@x} of {@code Spendgate Reports <reports@x>} (RFC 5321 4.1.2: a path holds no display name). */
    static String envelopeSender(String from) {
        try {
            return new InternetAddress(from, true).getAddress();
        } catch (jakarta.mail.internet.AddressException e) {
            throw new MailException("the report email's sender is not an address: " + e.getMessage(), e);
        }
    }
}
