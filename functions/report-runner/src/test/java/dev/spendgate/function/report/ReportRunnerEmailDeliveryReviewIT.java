package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.ses.SesMailTransport;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.testing.aws.LocalS3;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The scheduled report function (s3proxy for the bucket) sending through an SMTP relay that behaves as real ones do at
 * the edges: what finance receives when the scheduler's invocation and Lambda's two retries run.
 */
class ReportRunnerEmailDeliveryReviewIT {
    S3ObjectStore store;
    Relay relay;

    @BeforeEach
    void writeUsage() throws IOException {
        LocalS3 s3 = LocalS3.shared();
        store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("delivery"));
        ModelPrice price =
                PricingCatalog.bundled().find("anthropic", "claude-sonnet-4-5").orElseThrow();
        Instant t = Instant.parse("2026-11-14T09:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 20; i++) {
                TokenUsage tokens = TokenUsage.anthropic(500 + i, 1000, 200, 0, 80 + i);
                UsageRecordCodec.write(
                        UsageRecord.builder()
                                .requestId("r-" + i)
                                .tsStart(t.plusSeconds(i))
                                .tsEnd(t.plusSeconds(i + 1))
                                .attribution(new Attribution("assistant", "sales", null, "prod", null, null, null))
                                .provider("anthropic")
                                .modelServed("claude-sonnet-4-5-20250929")
                                .statusCode(200)
                                .tokens(tokens)
                                .costUsd(price.cost(tokens))
                                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                                .usageSource(UsageRecord.UsageSource.PROVIDER)
                                .build(),
                        gz);
            }
        }
        store.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());
    }

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
    }

    ReportRunnerHandler handler(String recipients) {
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of(
                "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                "SPENDGATE_REPORT_EMAIL_TO", recipients,
                "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test"));
        return new ReportRunnerHandler(
                store,
                config,
                null,
                List::of,
                SmtpMailTransport.create(new SmtpMailTransport.Settings("127.0.0.1", relay.port(), null, null, false)),
                key -> "https://example.test/" + key,
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));
    }

    /** The scheduled invocation ({@code {}}, as EventBridge Scheduler sends it) and Lambda's two retries on failure. */
    void scheduledRunWithRetries(ReportRunnerHandler handler) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                handler.handleRequest(new HashMap<>(), null);
                return;
            } catch (RuntimeException e) {
                // Lambda retries the asynchronous invocation (ScheduledJobs.onFailure: retryAttempts 2)
            }
        }
    }

    /**
     * The relay accepts the message (250 after DATA: RFC 5321 4.1.1.4, it now owns delivery) and the connection drops
     * at QUIT. The invocation fails anyway, gives its claim back, and Lambda's retry emails November again.
     */
    @Test
    void relayAcceptsThenConnectionDropsAtQuit_financeGetsNovemberOnce() throws IOException {
        relay = new Relay(Set.of(), 1);

        scheduledRunWithRetries(handler("cfo@example.test"));

        assertThat(relay.accepted)
                .as("messages the relay accepted for delivery")
                .hasSize(1);
        assertThat(store.get("reports/2026-11/email-sent.json")).isPresent();
    }

    /**
     * A leaver's mailbox is gone: the relay refuses that RCPT with 550 and accepts the CFO. The run sends to nobody,
     * and the two retries fail the same way: the scheduled month ends on the dead-letter queue with no email.
     */
    @Test
    void oneRecipientRefused_cfoStillGetsNovember() throws IOException {
        relay = new Relay(Set.of("left@example.test"), 0);

        scheduledRunWithRetries(handler("cfo@example.test,left@example.test"));

        assertThat(relay.accepted)
                .as("recipients of the accepted messages")
                .containsExactly(List.of("cfo@example.test"));
    }

    /**
     * In AWS the email goes through SES. SES takes November's SendEmail and its answer is lost (the connection resets
     * before the 200 arrives): the SDK client SesMailTransport builds keeps the SDK's default retries, which send the
     * same message again (and were they off, the failed run would give its claim back and Lambda's retry would), so
     * finance gets November twice. AwsClients already refuses such retries for DynamoDB ("an
     * ADD sent again after DynamoDB applied it but its answer was lost would count twice"); SendEmail is no more
     * idempotent than an ADD.
     */
    @Test
    void sesTakesTheMessageAndTheAnswerIsLost_financeGetsNovemberOnce() throws IOException {
        try (FakeSes ses = new FakeSes(1)) {
            ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of(
                    "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                    "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test",
                    "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test"));
            AwsClients aws = AwsClients.create(Region.US_EAST_1, URI.create("http://127.0.0.1:" + ses.port()), null);
            ReportRunnerHandler handler = new ReportRunnerHandler(
                    store,
                    config,
                    null,
                    List::of,
                    new SesMailTransport(SesMailTransport.client(
                            aws,
                            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))),
                    key -> "https://example.test/" + key,
                    Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));

            scheduledRunWithRetries(handler);

            assertThat(ses.sendEmails.get()).as("SendEmail requests SES took").isEqualTo(1);
        }
    }

    /**
     * SES v2 on a loopback port, one request per connection: takes every SendEmail it reads whole; for the first
     * {@code lostAnswers} it resets the connection instead of answering.
     */
    static final class FakeSes implements AutoCloseable {
        final AtomicInteger sendEmails = new AtomicInteger();
        private final AtomicInteger lostAnswers;
        private final ServerSocket server;

        FakeSes(int lostAnswers) throws IOException {
            this.lostAnswers = new AtomicInteger(lostAnswers);
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "fake-ses");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        head.append((char) b);
                    }
                    int length = 0;
                    for (String line : head.toString().split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    in.readNBytes(length);
                    if (!head.toString().startsWith("POST /v2/email/outbound-emails")) {
                        continue;
                    }
                    sendEmails.incrementAndGet(); // SES has the message: it goes to the recipients
                    if (lostAnswers.getAndDecrement() > 0) {
                        s.setSoLinger(true, 0); // the answer is lost: connection reset
                        continue;
                    }
                    byte[] body = ("{\"MessageId\":\"m-" + sendEmails.get() + "\"}").getBytes(StandardCharsets.UTF_8);
                    s.getOutputStream()
                            .write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                            + "Content-Length: " + body.length + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(body);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the client went away, or the server was closed
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** RFC 5321 relay on a loopback port: 550 for {@code refused}, and a TCP reset at QUIT for the first connections. */
    static final class Relay implements AutoCloseable {
        final List<List<String>> accepted = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final Set<String> refused;
        private final AtomicInteger resetsAtQuit;

        Relay(Set<String> refused, int resetsAtQuit) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.refused = refused;
            this.resetsAtQuit = new AtomicInteger(resetsAtQuit);
            Thread t = new Thread(this::serve, "relay");
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
                    // closed
                }
            }
        }

        private void session(Socket s) throws IOException {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            reply(w, "220 relay.test ESMTP");
            List<String> to = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String c = line.toUpperCase(Locale.ROOT);
                if (c.startsWith("RCPT TO")) {
                    String a = line.substring(line.indexOf('<') + 1, line.indexOf('>'))
                            .toLowerCase(Locale.ROOT);
                    if (refused.contains(a)) {
                        reply(w, "550 5.1.1 <" + a + ">: Recipient address rejected: User unknown");
                    } else {
                        to.add(a);
                        reply(w, "250 2.1.5 OK");
                    }
                } else if (c.equals("DATA")) {
                    if (to.isEmpty()) {
                        reply(w, "554 5.5.1 No valid recipients");
                        continue;
                    }
                    reply(w, "354 End data with <CR><LF>.<CR><LF>");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // the message
                    }
                    accepted.add(List.copyOf(to));
                    reply(w, "250 2.0.0 Ok: queued");
                } else if (c.equals("QUIT")) {
                    if (resetsAtQuit.getAndDecrement() > 0) {
                        s.setSoLinger(true, 0);
                        return;
                    }
                    reply(w, "221 2.0.0 Bye");
                    return;
                } else {
                    if (c.startsWith("MAIL FROM") || c.equals("RSET")) {
                        to.clear();
                    }
                    reply(w, c.startsWith("EHLO") || c.startsWith("HELO") ? "250 relay.test" : "250 OK");
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
