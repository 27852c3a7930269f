package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.ReportEnvironment;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report email over implicit TLS (SMTPS, RFC 8314: port 465), through a real SMTP server speaking TLS from its
 * first byte (GreenMail's SMTPS, with a certificate made for this test that names 127.0.0.1), logging in with a user
 * and password. Before, the transport spoke plain SMTP to such a port: it waited for a greeting that never came and
 * failed after its 30 s read timeout, so a mail relay offering only 465 could not be used at all.
 */
class ImplicitTlsReportEmailIT {
    private static final String PASSWORD = "s3cret-smtps";

    @TempDir
    static Path dir;

    private static GreenMail smtps;
    private static SSLSocketFactory trusting;

    @BeforeAll
    static void startServer() throws Exception {
        Path keystore = dir.resolve("smtps.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "smtps",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "san=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String printed = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(printed).isZero();
        // GreenMail's TLS server socket factory reads these once, when its first TLS server starts
        System.setProperty("greenmail.tls.keystore.file", keystore.toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
        System.setProperty("greenmail.tls.key.password", "changeit");

        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            server.load(in, "changeit".toCharArray());
        }
        Certificate cert = server.getCertificate("smtps");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("smtps", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        trusting = context.getSocketFactory();

        smtps = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS).dynamicPort());
        smtps.withConfiguration(
                GreenMailConfiguration.aConfig().withUser("reports@spendgate.test", "reports", PASSWORD));
        smtps.start();
    }

    @AfterAll
    static void stopServer() {
        if (smtps != null) {
            smtps.stop();
        }
    }

    private static int port() {
        return smtps.getSmtps().getPort();
    }

    @Test
    void implicitTls_set_reportIsDeliveredOverTlsWithTheLogin() throws Exception {
        ReportEnvironment env = ReportEnvironment.from(Map.of(
                "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test",
                "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test",
                "SPENDGATE_SMTP_HOST", "127.0.0.1",
                "SPENDGATE_SMTP_PORT", Integer.toString(port()),
                "SPENDGATE_SMTP_USER", "reports",
                "SPENDGATE_SMTP_PASSWORD", PASSWORD,
                "SPENDGATE_SMTP_IMPLICIT_TLS", "true"));

        MonthlyReport.Result result = run(SmtpMailTransport.create(env.smtp(), trusting));

        assertThat(result.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(smtps.getReceivedMessages()).hasSize(1);
        assertThat(smtps.getReceivedMessages()[0].getSubject()).startsWith("AI spend report November 2026");
    }

    /** The certificate is checked: one the client does not trust fails the send, and nothing is delivered. */
    @Test
    void implicitTls_untrustedCertificate_sendFailsAndNothingIsDelivered() {
        int before = smtps.getReceivedMessages().length;
        SmtpMailTransport.Settings settings =
                new SmtpMailTransport.Settings("127.0.0.1", port(), "reports", PASSWORD, false, true);

        assertThatThrownBy(() -> run(SmtpMailTransport.create(settings))).hasStackTraceContaining("certification path");
        assertThat(smtps.getReceivedMessages()).hasSize(before);
    }

    private static MonthlyReport.Result run(SmtpMailTransport transport) {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                java.util.List.of("cfo@example.test"),
                10_000_000,
                transport,
                key -> "https://files.example.test/" + key);
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        ReportEmailOnceIT.Store store = new ReportEmailOnceIT.Store();
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(YearMonth.of(2026, 11), empty, store, store, "reports/2026-11/", email, true);
    }
}
