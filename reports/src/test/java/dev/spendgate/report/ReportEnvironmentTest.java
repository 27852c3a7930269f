package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportEnvironmentTest {

    @Test
    void from_smtpUserWithoutStartTlsSetting_usesTlsSoThePasswordNeverTravelsInClear() {
        ReportEnvironment env = ReportEnvironment.from(Map.of(
                "SPENDGATE_SMTP_HOST", "smtp.example.com",
                "SPENDGATE_SMTP_USER", "reports",
                "SPENDGATE_SMTP_PASSWORD", "s3cret"));

        assertThat(env.smtp().startTls()).isTrue();
    }

    @Test
    void from_noSmtpUser_leavesTlsOffUnlessAsked() {
        assertThat(ReportEnvironment.from(Map.of("SPENDGATE_SMTP_HOST", "localhost"))
                        .smtp()
                        .startTls())
                .isFalse();
        assertThat(ReportEnvironment.from(Map.of("SPENDGATE_SMTP_HOST", "localhost", "SPENDGATE_SMTP_STARTTLS", "true"))
                        .smtp()
                        .startTls())
                .isTrue();
    }

    @Test
    void from_startTlsExplicitlyOff_isHonoured() {
        ReportEnvironment env = ReportEnvironment.from(Map.of(
                "SPENDGATE_SMTP_HOST", "relay.internal",
                "SPENDGATE_SMTP_USER", "reports",
                "SPENDGATE_SMTP_STARTTLS", "false"));

        assertThat(env.smtp().startTls()).isFalse();
    }

    /**
     * {@code yes} read as false turned TLS off for a user with a password: the SMTP login then went out in clear. A
     * value that is neither true nor false is refused, naming the variable; the case and blanks around it do not
     * matter.
     */
    @Test
    void from_startTlsNeitherTrueNorFalse_isRefusedNamingTheVariable() {
        for (String value : new String[] {"yes", "1", "on", "treu"}) {
            assertThatThrownBy(() -> ReportEnvironment.from(Map.of(
                            "SPENDGATE_SMTP_HOST", "smtp.example.com",
                            "SPENDGATE_SMTP_USER", "reports",
                            "SPENDGATE_SMTP_PASSWORD", "s3cret",
                            "SPENDGATE_SMTP_STARTTLS", value)))
                    .as(value)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SPENDGATE_SMTP_STARTTLS")
                    .hasMessageNotContaining("s3cret");
        }
        assertThat(ReportEnvironment.from(
                                Map.of("SPENDGATE_SMTP_HOST", "smtp.example.com", "SPENDGATE_SMTP_STARTTLS", " TRUE "))
                        .smtp()
                        .startTls())
                .isTrue();
    }

    /**
     * A recipient list separated by semicolons (as mail clients show it) is accepted when the function starts; the
     * report is then computed and written each month and fails only at the send, with "cannot compose the report
     * email" and no word of the variable to fix, so finance never gets it.
     */
    @Test
    void from_recipientThatIsNoAddress_isRefusedNamingTheVariable() {
        assertThatThrownBy(() -> ReportEnvironment.from(
                        Map.of("SPENDGATE_REPORT_EMAIL_TO", "cfo@example.com; finops@example.com")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_REPORT_EMAIL_TO");
    }

    /**
     * The sender gets none of the recipients' check: {@code SPENDGATE_REPORT_EMAIL_FROM="reports@example.com;
     * finops@example.com"} (the same semicolon slip) passes the start, and each month the report is computed and
     * written and then fails composing the email, with no word of the variable to fix: finance never gets it.
     */
    @Test
    void from_senderThatIsNoAddress_isRefusedNamingTheVariable() {
        Map<String, String> env = Map.of(
                "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.com",
                "SPENDGATE_REPORT_EMAIL_FROM", "reports@example.com; finops@example.com");
        ReportEnvironment settings;
        try {
            settings = ReportEnvironment.from(env);
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageContaining("SPENDGATE_REPORT_EMAIL_FROM");
            return;
        }
        MapObjectStore data = new MapObjectStore();
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.Email email = new MonthlyReport.Email(
                settings.emailFrom(),
                settings.emailTo(),
                settings.maxAttachmentBytes(),
                dev.spendgate.report.email.SmtpMailTransport.create(
                        new dev.spendgate.report.email.SmtpMailTransport.Settings("127.0.0.1", 1, null, null, false)),
                key -> "file:///" + key);
        Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> MonthlyReport.create(
                        new MonthlyReport.Settings(
                                dev.spendgate.domain.pricing.PricingCatalog.bundled(),
                                dev.spendgate.domain.pricing.PricingCatalog.bundled(),
                                null,
                                null,
                                null),
                        java.time.Clock.fixed(
                                java.time.Instant.parse("2026-12-02T06:00:00Z"), java.time.ZoneOffset.UTC))
                .run(
                        java.time.YearMonth.of(2026, 11),
                        dev.spendgate.domain.report.MonthlyUsageSource.fromLog(data),
                        data,
                        out,
                        "",
                        email,
                        false));
        throw new AssertionError("SPENDGATE_REPORT_EMAIL_FROM '" + settings.emailFrom() + "' was taken at start; the"
                + " month's run then wrote " + out.list("") + " and failed with: " + failed);
    }

    /** One sender, bare or with a display name, is taken as given; two (comma-separated) or a typo are refused. */
    @Test
    void from_sender_oneAddressTakenAListOrTypoRefused() {
        for (String one : new String[] {"reports@example.com", "Spendgate Reports <reports@example.com>"}) {
            assertThat(ReportEnvironment.from(Map.of("SPENDGATE_REPORT_EMAIL_FROM", one))
                            .emailFrom())
                    .isEqualTo(one);
        }
        assertThat(ReportEnvironment.from(Map.of()).emailFrom()).isEqualTo("spendgate-reports@localhost");
        for (String bad : new String[] {"reports@example.com, finops@example.com", "reports@@example.com", "reports"}) {
            assertThatThrownBy(() -> ReportEnvironment.from(Map.of("SPENDGATE_REPORT_EMAIL_FROM", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SPENDGATE_REPORT_EMAIL_FROM");
        }
    }

    /** RFC 8314: port 465 is submission over implicit TLS, so it is the default there; another port may be told so. */
    @Test
    void from_port465_speaksImplicitTlsUnlessToldOtherwise() {
        assertThat(ReportEnvironment.from(
                                Map.of("SPENDGATE_SMTP_HOST", "smtp.example.com", "SPENDGATE_SMTP_PORT", "465"))
                        .smtp()
                        .implicitTls())
                .isTrue();
        assertThat(ReportEnvironment.from(
                                Map.of("SPENDGATE_SMTP_HOST", "smtp.example.com", "SPENDGATE_SMTP_PORT", "587"))
                        .smtp()
                        .implicitTls())
                .isFalse();
        assertThat(ReportEnvironment.from(Map.of(
                                "SPENDGATE_SMTP_HOST", "smtp.example.com",
                                "SPENDGATE_SMTP_PORT", "2465",
                                "SPENDGATE_SMTP_IMPLICIT_TLS", "true"))
                        .smtp()
                        .implicitTls())
                .isTrue();
        assertThatThrownBy(() -> ReportEnvironment.from(
                        Map.of("SPENDGATE_SMTP_HOST", "smtp.example.com", "SPENDGATE_SMTP_IMPLICIT_TLS", "yes")))
                .hasMessageContaining("SPENDGATE_SMTP_IMPLICIT_TLS");
    }
}
