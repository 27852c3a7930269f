package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.email.SmtpMailTransport;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What finance reads in the report email itself, received by a real SMTP server (GreenMail): the subject and the body
 * are the first figures they see, before any attachment is opened, so they must say what the figures are (a whole
 * month or a part of it, a correction of an earlier email) and what they rest on, as the PDF does.
 */
class ReportEmailContentReviewIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    final BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
    final BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();

    static MonthlyReport.Email email() {
        return new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                10_000_000,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://files.example.test/" + key);
    }

    MonthlyReport.Result run(Instant at, boolean force) {
        return report(at)
                .run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, out, "reports/2026-11/", email(), force);
    }

    static String body(MimeMessage m) throws Exception {
        return (String) ((Multipart) m.getContent()).getBodyPart(0).getContent();
    }

    /**
     * A preview of the running month (the README: "a preview of the running month is emailed once") goes out on
     * November 15th with the subject "AI spend report November 2026: $0.21", the very subject the complete month's
     * email has on December 2nd. In an inbox (or a mail rule filing reports by subject) the half-month figure reads as
     * November's spend; the PDF says "November to date (day 15 of 30)", the subject must say it too.
     */
    @Test
    void runningMonthPreview_subjectSaysTheMonthIsNotOver() throws Exception {
        write(data, List.of(call("nov-10", Instant.parse("2026-11-10T12:00:00Z"), "support")));

        MonthlyReport.Result preview = run(Instant.parse("2026-11-15T09:00:00Z"), false);

        assertThat(preview.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        MimeMessage m = mail.getReceivedMessages()[0];
        assertThat(body(m)).as("the body says it").contains("to date (day 15 of 30)");
        assertThat(m.getSubject())
                .as("subject of a preview sent mid-month: %s", m.getSubject())
                .containsAnyOf("to date", "preview", "so far", "day 15");
    }

    /**
     * November's email goes on December 2nd with one call ($0.21). A record arrives late, the operator re-runs the month
     * with the email forced (the README's remedy), and finance gets a second email with the same subject pattern and
     * another total ($0.42), nothing saying it corrects the first one or what the first one said. The run's own warning
     * ("anyone holding the earlier files or email has other figures") goes to the operator's log, not to finance.
     */
    @Test
    void forcedResendWithOtherFigures_isMarkedAsACorrection() throws Exception {
        write(data, List.of(call("nov-10", Instant.parse("2026-11-10T12:00:00Z"), "support")));
        run(Instant.parse("2026-12-02T06:00:00Z"), false);
        // the late record, in an object of its own
        write(data, List.of(call("nov-30-late", Instant.parse("2026-11-30T23:30:00Z"), "support")));

        MonthlyReport.Result again = run(Instant.parse("2026-12-03T09:00:00Z"), true);

        assertThat(again.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(again.warnings()).anyMatch(w -> w.contains("anyone holding the earlier files or email"));
        MimeMessage[] received = mail.getReceivedMessages();
        assertThat(received).hasSize(2);
        assertThat(received[0].getSubject()).isNotEqualTo(received[1].getSubject());
        assertThat(received[1].getSubject()).startsWith("AI spend report November 2026 (correction): ");
        String second = received[1].getSubject() + "\n" + body(received[1]);
        assertThat(second)
                .as("the second email, as finance reads it:%n%s", second)
                .containsAnyOf("correct", "Correct", "replaces", "supersedes", "instead of");
    }

    /**
     * The month rests on a damaged usage object and two estimated calls: the PDF and data-quality.json say so ("1
     * damaged", "2 estimated ($0.42 of the total)"), but the email's body states "AI spend through Spendgate was $0.63"
     * with no word of it. Figures shown to finance must say what data quality they rest on; the body is where most
     * readers stop.
     */
    @Test
    void damagedAndEstimatedMonth_bodySaysWhatTheFiguresRestOn() throws Exception {
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        write(
                data,
                List.of(
                        call("provider-1", t, "support"),
                        call("cut-1", t.plusSeconds(60), "support", UsageRecord.UsageSource.ESTIMATED),
                        call("cut-2", t.plusSeconds(120), "support", UsageRecord.UsageSource.ESTIMATED)));
        data.put(
                UsageLayout.hourPrefix(Instant.parse("2026-11-11T12:00:00Z")) + "part-damaged.ndjson.gz",
                "not gzip at all".getBytes(StandardCharsets.UTF_8));

        MonthlyReport.Result result = run(Instant.parse("2026-12-02T06:00:00Z"), false);

        assertThat(result.quality().damagedObjects()).isEqualTo(1);
        assertThat(result.quality().summaryLine()).contains("1 damaged").contains("2 estimated");
        String body = body(mail.getReceivedMessages()[0]);
        assertThat(body).contains("AI spend through Spendgate was");
        assertThat(body)
                .as("the email body finance reads:%n%s", body)
                .containsIgnoringCase("data quality")
                .contains("damaged")
                .contains("estimated");
    }
}
