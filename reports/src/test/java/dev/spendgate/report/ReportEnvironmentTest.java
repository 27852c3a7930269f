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
