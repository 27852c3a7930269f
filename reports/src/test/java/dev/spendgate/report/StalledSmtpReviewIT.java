package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.email.SmtpMailTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SMTP server stops reading in the middle of the message (an overloaded relay, a stateful firewall dropping the
 * flow): the report run must give up and fail, as it does after 30 s when the server stops answering, so the CLI's
 * cron job exits non-zero and the Lambda run ends with its claim given back, rather than hang.
 */
class StalledSmtpReviewIT {
    final MapObjectStore data = new MapObjectStore();
    final MapObjectStore out = new MapObjectStore();
    StallingServer smtp;

    @AfterEach
    void stop() throws IOException {
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void serverStopsReadingMidMessage_runFailsInsteadOfHanging() throws IOException {
        TestMonth.generate(MonthlyReportTest.MONTH, 4000, 30, 11).writeTo(data);
        smtp = new StallingServer();
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                7_000_000, // SPENDGATE_REPORT_ATTACH_MAX_BYTES' default
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", smtp.port(), null, null, false),
                        // the default write timeout (60 s) shortened: the same stall, seen sooner
                        new SmtpMailTransport.Timeouts(
                                Duration.ofSeconds(10),
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(2),
                                Duration.ofMinutes(10))),
                key -> "https://files.example.test/" + key);
        MonthlyReport report = MonthlyReport.create(
                new MonthlyReport.Settings(PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));

        // the write timeout is 2 s here (60 s by default); far longer is a hang
        assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> assertThatThrownBy(() -> report.run(
                                MonthlyReportTest.MONTH,
                                MonthlyUsageSource.fromLog(data),
                                data,
                                out,
                                "reports/2026-11/",
                                email,
                                false))
                        .isInstanceOf(MailTransport.MailException.class),
                "the report run did not end while the SMTP server stopped reading the message");
        assertThat(smtp.dataStarted.getCount()).as("the client reached DATA").isZero();
    }

    /** Answers up to DATA's 354, then reads nothing more until closed; a 4 KB receive buffer so the stall bites. */
    static final class StallingServer implements AutoCloseable {
        final CountDownLatch dataStarted = new CountDownLatch(1);
        private final ServerSocket server;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final CountDownLatch closed = new CountDownLatch(1);

        StallingServer() throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(this::serve, "stalling-smtp");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                open.add(s);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
                reply(w, "220 stall.test ESMTP");
                String line;
                while ((line = in.readLine()) != null) {
                    String command = line.toUpperCase(Locale.ROOT);
                    if (command.equals("DATA")) {
                        reply(w, "354 End data with <CR><LF>.<CR><LF>");
                        dataStarted.countDown();
                        closed.await(); // stop reading: the client's writes fill both sides' buffers
                        return;
                    }
                    reply(w, command.startsWith("EHLO") ? "250 stall.test" : "250 OK");
                }
            } catch (IOException | InterruptedException e) {
                // closed
            }
        }

        private static void reply(Writer w, String line) throws IOException {
            w.write(line + "\r\n");
            w.flush();
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            for (Socket s : open) {
                s.close();
            }
            server.close();
        }
    }
}
