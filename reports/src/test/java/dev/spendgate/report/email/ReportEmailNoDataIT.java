package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.MonthlyReport;
import jakarta.mail.internet.MimeMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A month without usage data (the log is empty: delivery broken, wrong bucket) gets a PDF that says so instead of a $0
 * board page (README), but the email finance reads first says the month's AI spend was $0.00.
 */
class ReportEmailNoDataIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    @Test
    void run_monthWithoutUsageData_emailDoesNotReportZeroSpend() {
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(
                        YearMonth.of(2026, 11),
                        empty,
                        new ReportEmailOnceIT.Store(),
                        new ReportEmailOnceIT.Store(),
                        "reports/2026-11/",
                        ReportEmailOnceIT.email(),
                        false);

        assertThat(result.quality().noData()).isTrue();
        MimeMessage m = mail.getReceivedMessages()[0];
        String subjectAndBody = GreenMailUtil.getHeaders(m) + GreenMailUtil.getBody(m);
        assertThat(subjectAndBody).doesNotContain("$0.00");
    }
}
