package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the run says when the SMTP server refuses some recipients (550 at RCPT) and takes the message for the rest. */
class ReportEmailRefusedRecipientIT {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    final ReportEmailOnceIT.Store data = new ReportEmailOnceIT.Store();
    final ReportEmailOnceIT.Store out = new ReportEmailOnceIT.Store();
    ReportEmailDeliveryReviewIT.EdgeSmtpServer smtp;

    @AfterEach
    void stop() throws IOException {
        smtp.close();
    }

    MonthlyReport.Result run(List<String> to) {
        MonthlyReport.Email email = new MonthlyReport.Email(
                "reports@spendgate.test",
                to,
                10_000_000,
                SmtpMailTransport.create(new SmtpMailTransport.Settings("127.0.0.1", smtp.port(), null, null, false)),
                key -> "https://files.example.test/" + key);
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(NOVEMBER, empty, data, out, "reports/2026-11/", email, false);
    }

    @Test
    void oneRecipientRefused_runSendsToTheOthersAndNamesTheRefusedOne() throws IOException {
        smtp = new ReportEmailDeliveryReviewIT.EdgeSmtpServer(Set.of("left@example.test"), 0);

        MonthlyReport.Result r = run(List.of("cfo@example.test", "left@example.test"));

        assertThat(r.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(r.emailRefused()).containsExactly("left@example.test");
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w).contains("1 of 2 recipients").contains("left@example.test"));
        assertThat(data.get(MonthlyReport.sentMarkerKey(NOVEMBER))).isPresent();
    }

    @Test
    void everyRecipientRefused_runFailsNamingThemAndGivesItsClaimBack() throws IOException {
        smtp = new ReportEmailDeliveryReviewIT.EdgeSmtpServer(Set.of("left@example.test", "gone@example.test"), 0);

        assertThatThrownBy(() -> run(List.of("left@example.test", "gone@example.test")))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isFalse())
                .hasMessageContaining("left@example.test")
                .hasMessageContaining("gone@example.test");

        assertThat(smtp.accepted).isEmpty();
        assertThat(data.get(MonthlyReport.claimKey(NOVEMBER, DataQuality.MonthState.COMPLETE)))
                .as("the claim, given back so a corrected run sends")
                .isEmpty();
    }
}
