package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.ReportEnvironment;
import jakarta.mail.internet.InternetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sender with a display name, {@code Spendgate Reports <reports@...>}: an RFC 5322 mailbox that the SES path takes
 * as it is (SES v2 {@code FromEmailAddress}) and the environment accepts at start. Over SMTP the envelope sender must
 * be the bare address (RFC 5321 4.1.2 {@code Reverse-path}); the transport puts the whole string into MAIL FROM.
 */
class SenderDisplayNameReviewIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    @Test
    void senderWithDisplayName_reportIsDeliveredFromThatAddress() throws Exception {
        ReportEnvironment env = ReportEnvironment.from(Map.of(
                "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test",
                "SPENDGATE_REPORT_EMAIL_FROM", "Spendgate Reports <reports@spendgate.test>",
                "SPENDGATE_SMTP_HOST", "127.0.0.1",
                "SPENDGATE_SMTP_PORT", Integer.toString(ServerSetupTest.SMTP.getPort())));
        MonthlyReport.Email email = new MonthlyReport.Email(
                env.emailFrom(),
                env.emailTo(),
                env.maxAttachmentBytes(),
                SmtpMailTransport.create(env.smtp()),
                key -> "https://files.example.test/" + key);
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        ReportEmailOnceIT.Store store = new ReportEmailOnceIT.Store();

        RuntimeException failure = null;
        try {
            MonthlyReport.create(
                            new MonthlyReport.Settings(
                                    PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                            Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                    .run(YearMonth.of(2026, 11), empty, store, store, "reports/2026-11/", email, false);
        } catch (RuntimeException e) {
            failure = e; // what counts is what finance receives
        }

        assertThat(mail.getReceivedMessages())
                .as("messages received; the run failed with %s", failure == null ? "nothing" : failure.getCause())
                .hasSize(1);
        assertThat(((InternetAddress) mail.getReceivedMessages()[0].getFrom()[0]).getAddress())
                .isEqualTo("reports@spendgate.test");
    }
}
