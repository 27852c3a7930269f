package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The report email against an SMTP server that behaves as real ones do at the edges (RFC 5321): it refuses one
 * recipient's mailbox, or it accepts the message and then drops the connection at QUIT. What counts is what finance
 * receives: each month's report once, to every deliverable recipient.
 */
class ReportEmailDeliveryReviewIT {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);
    static final Instant REPORT_RUN = Instant.parse("2026-12-01T06:00:00Z");

    final ReportEmailOnceIT.Store data = new ReportEmailOnceIT.Store();
    final ReportEmailOnceIT.Store out = new ReportEmailOnceIT.Store();
    EdgeSmtpServer smtp;

    static final SmtpMailTransport.Timeouts TIMEOUTS = new SmtpMailTransport.Timeouts(
            Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(6), Duration.ofSeconds(60));

    @AfterEach
    void stop() throws IOException {
        if (smtp != null) {
            smtp.close();
        }
    }

    MonthlyReport.Result run(List<String> to, Instant at) {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                to,
                10_000_000,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", smtp.port(), null, null, false),
                        // each wait a tenth of the default (read 30 s, end-of-data reply 10 min): same order, sooner
                        TIMEOUTS),
                key -> "https://files.example.test/" + key);
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(at, ZoneOffset.UTC))
                .run(NOVEMBER, empty, data, out, "reports/2026-11/", email, false);
    }

    /**
     * The server answers the message's DATA with 250 (RFC 5321 4.1.1.4: it has taken responsibility for delivering
     * it), then the connection drops before QUIT is answered. The message is delivered; only the goodbye failed. The
     * run fails anyway (Transport.close() throws inside the send), gives its claim back, and the scheduler's retry
     * emails finance the same month a second time.
     */
    @Test
    void connectionDropsAtQuitAfterTheMessageWasAccepted_retryDoesNotSendASecondEmail() throws IOException {
        smtp = new EdgeSmtpServer(Set.of(), 1);
        List<String> to = List.of("cfo@example.test");
        try {
            run(to, REPORT_RUN);
        } catch (RuntimeException e) {
            // the invocation failed: Lambda retries it (ScheduledJobs.onFailure, retryAttempts 2); the CLI user re-runs
            run(to, REPORT_RUN.plusSeconds(60));
        }

        assertThat(smtp.accepted)
                .as("messages the SMTP server accepted for delivery")
                .hasSize(1);
    }

    /**
     * One address of {@code SPENDGATE_REPORT_EMAIL_TO} has been removed at the mail server (a leaver's mailbox): the
     * server refuses that RCPT with 550 and accepts the others. RFC 5321 3.3 lets the client go on to DATA with the
     * recipients accepted; the report email instead goes to nobody, and every retry fails the same way, so the CFO
     * never gets the month's report because of someone else's address.
     */
    @Test
    void oneRecipientRefused_theOthersStillGetTheReport() throws IOException {
        smtp = new EdgeSmtpServer(Set.of("left-the-company@example.test"), 0);
        List<String> to = List.of("cfo@example.test", "left-the-company@example.test", "finops@example.test");
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                run(to, REPORT_RUN.plusSeconds(60L * attempt)); // the run and Lambda's two retries
                break;
            } catch (RuntimeException e) {
                // retried
            }
        }

        assertThat(smtp.accepted)
                .as("recipients of the messages the SMTP server accepted")
                .containsExactly(List.of("cfo@example.test", "finops@example.test"));
    }

    /**
     * The relay takes 40 s to answer the end of the message (content scanning of a 7 MB attachment set is not rare).
     * RFC 5321 4.5.3.2.6 has the client wait at least 10 minutes for that reply, precisely so that it does not give up
     * on a message the server is taking (RFC 1047: duplicate messages). A transport that gave up at its 30 s read
     * timeout released its claim and failed, and the retry sent the month a second time. Here every wait is a tenth:
     * the reply comes after 4 s, past the 3 s read timeout, within the 60 s end-of-data wait.
     */
    @Test
    void relayAnswersTheEndOfDataAfter40Seconds_financeGetsTheMonthOnce() throws IOException {
        smtp = new EdgeSmtpServer(Set.of(), 0);
        smtp.lateReplies.set(1);
        List<String> to = List.of("cfo@example.test");
        try {
            run(to, REPORT_RUN);
        } catch (RuntimeException e) {
            // the invocation failed: Lambda retries it a minute later
            run(to, REPORT_RUN.plusSeconds(60));
        }

        assertThat(smtp.accepted)
                .as("messages the SMTP server queued for delivery")
                .hasSize(1);
    }

    /**
     * A minimal RFC 5321 server on a free loopback port: refuses RCPT for {@code refused} with 550, records each
     * accepted message's recipients, and drops (TCP reset) the first {@code resetsAtQuit} connections at QUIT.
     */
    static final class EdgeSmtpServer implements AutoCloseable {
        final List<List<String>> accepted = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final Set<String> refused;
        private final AtomicInteger resetsAtQuit;
        /** Messages still to answer late: queued at once, the 250 sent {@link #LATE_REPLY_SECONDS} s after the data. */
        final AtomicInteger lateReplies = new AtomicInteger();

        static final int LATE_REPLY_SECONDS = 4;

        EdgeSmtpServer(Set<String> refused, int resetsAtQuit) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.refused = refused;
            this.resetsAtQuit = new AtomicInteger(resetsAtQuit);
            Thread acceptor = new Thread(this::serve, "edge-smtp");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(
                            () -> {
                                try (s) {
                                    session(s);
                                } catch (IOException e) {
                                    // the client went away
                                }
                            },
                            "edge-smtp-session");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    // the server was closed
                }
            }
        }

        private void session(Socket s) throws IOException {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            reply(w, "220 edge.test ESMTP");
            List<String> recipients = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    reply(w, "250 edge.test");
                } else if (command.startsWith("MAIL FROM")) {
                    recipients.clear();
                    reply(w, "250 2.1.0 OK");
                } else if (command.startsWith("RCPT TO")) {
                    String address = line.substring(line.indexOf('<') + 1, line.indexOf('>'))
                            .toLowerCase(Locale.ROOT);
                    if (refused.contains(address)) {
                        reply(w, "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown");
                    } else {
                        recipients.add(address);
                        reply(w, "250 2.1.5 OK");
                    }
                } else if (command.equals("DATA")) {
                    if (recipients.isEmpty()) {
                        reply(w, "554 5.5.1 No valid recipients");
                        continue;
                    }
                    reply(w, "354 End data with <CR><LF>.<CR><LF>");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // the message
                    }
                    accepted.add(List.copyOf(recipients));
                    if (lateReplies.getAndDecrement() > 0) {
                        try {
                            // content scanning of the attachments before the reply; the message is queued already
                            Thread.sleep(LATE_REPLY_SECONDS * 1000L);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    reply(w, "250 2.0.0 Ok: queued");
                } else if (command.equals("RSET")) {
                    recipients.clear();
                    reply(w, "250 2.0.0 OK");
                } else if (command.equals("NOOP")) {
                    reply(w, "250 2.0.0 OK");
                } else if (command.equals("QUIT")) {
                    if (resetsAtQuit.getAndDecrement() > 0) {
                        s.setSoLinger(true, 0); // close with a TCP reset: the connection is lost
                        return;
                    }
                    reply(w, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(w, "502 5.5.2 Command not recognized");
                }
            }
        }

        private static void reply(Writer w, String line) throws IOException {
            w.write(line + "\r\n");
            w.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
