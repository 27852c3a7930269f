package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MailTransport;
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
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole message reaches the SMTP server and the connection is lost before its reply to the end of the message:
 * the server may be delivering it. The run fails and keeps its claim, so Lambda's retries do not send the month again;
 * the operator's forced run is the one way to send it again.
 */
class ReportEmailMaybeSentIT {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);
    static final Instant REPORT_RUN = Instant.parse("2026-12-01T06:00:00Z");

    final ReportEmailOnceIT.Store data = new ReportEmailOnceIT.Store();
    final ReportEmailOnceIT.Store out = new ReportEmailOnceIT.Store();
    LosesTheFinalReply smtp;

    @AfterEach
    void stop() throws IOException {
        smtp.close();
    }

    MonthlyReport.Result run(Instant at, boolean force) {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                10_000_000,
                SmtpMailTransport.create(new SmtpMailTransport.Settings("127.0.0.1", smtp.port(), null, null, false)),
                key -> "https://files.example.test/" + key);
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(at, ZoneOffset.UTC))
                .run(NOVEMBER, empty, data, out, "reports/2026-11/", email, force);
    }

    @Test
    void connectionLostBeforeTheReplyToTheMessage_runFailsKeepsItsClaimAndRetriesDoNotSendAgain() throws IOException {
        smtp = new LosesTheFinalReply(1);

        assertThatThrownBy(() -> run(REPORT_RUN, false))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isTrue())
                .hasMessageContaining("may have been sent")
                .hasMessageContaining("force");
        for (int retry = 1; retry <= 2; retry++) {
            Instant at = REPORT_RUN.plusSeconds(60L * retry);
            assertThatThrownBy(() -> run(at, false))
                    .as("Lambda's retry %d", retry)
                    .hasMessageContaining("not sent again")
                    .hasMessageContaining("force_email");
        }

        assertThat(smtp.messages).as("messages the server received whole").hasValue(1);
        assertThat(new String(
                        data.get(MonthlyReport.claimKey(NOVEMBER, completeMonth()))
                                .orElseThrow(),
                        StandardCharsets.UTF_8))
                .contains("\"maybe_sent_at\":\"2026-12-01T06:00:00Z\"");
        assertThat(data.get(MonthlyReport.sentMarkerKey(NOVEMBER))).isEmpty();

        // finance did not get it: the operator forces the email
        MonthlyReport.Result forced = run(REPORT_RUN.plusSeconds(3600), true);
        assertThat(forced.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(smtp.messages).hasValue(2);
    }

    private static dev.spendgate.domain.report.DataQuality.MonthState completeMonth() {
        return dev.spendgate.domain.report.DataQuality.MonthState.COMPLETE;
    }

    /** Takes each message whole; for the first {@code losses} it resets the connection instead of replying 250. */
    static final class LosesTheFinalReply implements AutoCloseable {
        final AtomicInteger messages = new AtomicInteger();
        private final AtomicInteger losses;
        private final ServerSocket server;

        LosesTheFinalReply(int losses) throws IOException {
            this.losses = new AtomicInteger(losses);
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "loses-final-reply");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    session(s);
                } catch (IOException e) {
                    // the client went away, or the server was closed
                }
            }
        }

        private void session(Socket s) throws IOException {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            reply(w, "220 loses.test ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                String c = line.toUpperCase(Locale.ROOT);
                if (c.equals("DATA")) {
                    reply(w, "354 go ahead");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // the message
                    }
                    messages.incrementAndGet();
                    if (losses.getAndDecrement() > 0) {
                        s.setSoLinger(true, 0); // the connection is lost before the reply
                        return;
                    }
                    reply(w, "250 2.0.0 queued");
                } else if (c.equals("QUIT")) {
                    reply(w, "221 bye");
                    return;
                } else {
                    reply(w, c.startsWith("EHLO") ? "250 loses.test" : "250 OK");
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
