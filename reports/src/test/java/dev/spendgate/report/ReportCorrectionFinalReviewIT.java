package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.report.MonthlyUsageSource;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Final review (session 28) of the correction email (7cc37717): what finance reads when a run replaces the month's
 * files with other figures.
 */
class ReportCorrectionFinalReviewIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    final BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
    final BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();

    MonthlyReport.Result run(Instant at, MonthlyReport.Email email, boolean force) {
        return report(at)
                .run(
                        ReportEmailContentReviewIT.NOVEMBER,
                        MonthlyUsageSource.fromLog(data),
                        data,
                        out,
                        "reports/2026-11/",
                        email,
                        force);
    }

    /**
     * The operator looks at November's files first ({@code ./spendgate report --no-email}, or a run whose email SES
     * refused before the sender was verified: no email went, the files and their manifest did). A record arrives late;
     * the next run sends November's first and only email. Finance is told it is a "Correction" of a report "which
     * totalled $0.21", an email they never received.
     */
    @Test
    void firstEmailAfterARunThatSentNone_isNoCorrection() throws Exception {
        write(data, List.of(call("nov-10", Instant.parse("2026-11-10T12:00:00Z"), "support")));
        MonthlyReport.Result files = run(Instant.parse("2026-12-02T06:00:00Z"), null, false);
        assertThat(files.email()).isNotEqualTo(MonthlyReport.EmailStatus.SENT);
        write(data, List.of(call("nov-30-late", Instant.parse("2026-11-30T23:30:00Z"), "support")));

        MonthlyReport.Result sent =
                run(Instant.parse("2026-12-03T09:00:00Z"), ReportEmailContentReviewIT.email(), false);

        assertThat(sent.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        MimeMessage[] received = mail.getReceivedMessages();
        assertThat(received).as("finance's only email of November").hasSize(1);
        String read = received[0].getSubject() + "\n" + ReportEmailContentReviewIT.body(received[0]);
        assertThat(read)
                .as("the first email finance gets of November:%n%s", read)
                .doesNotContain("Correction")
                .doesNotContain("This replaces the report of");
    }

    /**
     * The README promised, before 7cc37717, "Every subject starts `AI spend report <Month YYYY>`, for mail rules"; a
     * rule "subject begins with AI spend report" (Outlook, Gmail filters) no longer files a correction with the
     * reports: it lands in the inbox, or is missed by an automation that files and forwards them.
     */
    @Test
    void correctionSubject_stillStartsAsEveryReportSubjectDid() throws Exception {
        write(data, List.of(call("nov-10", Instant.parse("2026-11-10T12:00:00Z"), "support")));
        run(Instant.parse("2026-12-02T06:00:00Z"), ReportEmailContentReviewIT.email(), false);
        write(data, List.of(call("nov-30-late", Instant.parse("2026-11-30T23:30:00Z"), "support")));

        run(Instant.parse("2026-12-03T09:00:00Z"), ReportEmailContentReviewIT.email(), true);

        MimeMessage[] received = mail.getReceivedMessages();
        assertThat(received).hasSize(2);
        assertThat(received[1].getSubject())
                .as("the re-sent email's subject")
                .startsWith("AI spend report November 2026");
    }
}
