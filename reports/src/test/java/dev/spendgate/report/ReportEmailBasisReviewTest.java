package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The email's text is what finance reads before (or instead of) the attachments. A damaged November: three calls with
 * the provider's usage ($0.63), a stream cut before its usage ($0.21 on tokens the gateway counted), a call that never
 * settled ($0.05 at its reserved worst case) and a record claiming $999,995.00 for 1.1M gpt-4o-mini tokens, which the
 * cost check quarantines. The PDF's first page says "1 quarantined (claiming $999,995.00, left out of every total);
 * 2 estimated ($0.26 of the total)" (README "Data quality ... the PDF, stderr"); the email body states the $0.89 total
 * with none of it.
 */
class ReportEmailBasisReviewTest {

    @Test
    void run_damagedMonthEmailed_bodySaysWhatTheTotalRestsOn() throws Exception {
        BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        UsageRecord unsettled = UsageRecord.builder()
                .requestId("unsettled-1")
                .tsStart(t.plusSeconds(120))
                .tsEnd(t.plusSeconds(121))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", "support", "support-1", "prod", "s-u", null, null))
                .provider("openai")
                .endpoint("/v1/chat/completions")
                .modelRequested("gpt-4o-mini")
                .statusCode(0)
                .tokens(TokenUsage.ZERO)
                .costUsd(new BigDecimal("0.05"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(BoardFiguresRoundTwoReviewTest.CATALOG.version())
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        UsageRecord implausible = call("implausible-1", t.plusSeconds(180), "support").toBuilder()
                .costUsd(new BigDecimal("999995"))
                .build();
        write(
                data,
                List.of(
                        call("provider-1", t, "support"),
                        call("provider-2", t.plusSeconds(30), "support"),
                        call("provider-3", Instant.parse("2026-11-20T09:00:00Z"), "eng"),
                        call("cut-1", t.plusSeconds(60), "support", UsageRecord.UsageSource.ESTIMATED),
                        unsettled,
                        implausible));
        List<byte[]> sent = new ArrayList<>();
        MailTransport transport = (from, to, raw) -> {
            sent.add(raw);
            return MailTransport.Delivery.TO_ALL;
        };
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();
        MonthlyReport.Result result = report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(
                        YearMonth.of(2026, 11),
                        MonthlyUsageSource.fromLog(data),
                        data,
                        out,
                        "",
                        new MonthlyReport.Email(
                                "reports@spendgate.test",
                                List.of("cfo@example.test"),
                                10_000_000,
                                transport,
                                name -> "file:///" + name),
                        false);

        assertThat(result.quality().quarantinedCount()).isEqualTo(1);
        assertThat(result.quality().estimatedUsd()).isEqualByComparingTo("0.26");
        String pdf = BoardFiguresRoundTwoReviewTest.pdfText(out);
        assertThat(pdf).contains("1 quarantined").contains("$0.26 of the total");

        assertThat(sent).hasSize(1);
        MimeMessage message =
                new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(sent.get(0)));
        String body = (String) ((Multipart) message.getContent()).getBodyPart(0).getContent();
        assertThat(body).contains("$0.89");
        assertThat(body)
                .as("the email states the total; it must say, as the PDF's first page does, that $0.26 of it is"
                        + " estimated and that a record claiming $999,995.00 was quarantined and left out")
                .contains("quarantined")
                .contains("$0.26");
    }

    /**
     * README "Finance reports": "a preview of the running month is emailed once"; its PDF says it sets "December to
     * date (day 10 of 31)" and its text "In December 2026 to date (day 10 of 31)". The subject, the one line of the
     * email an inbox shows, reads as the whole month's spend.
     */
    @Test
    void run_previewOfRunningMonthEmailed_subjectSaysSpendToDate() throws Exception {
        BoardFiguresRoundTwoReviewTest.Store data = new BoardFiguresRoundTwoReviewTest.Store();
        write(
                data,
                List.of(
                        call("dec-1", Instant.parse("2026-12-02T12:00:00Z"), "support"),
                        call("dec-2", Instant.parse("2026-12-05T12:00:00Z"), "support")));
        List<byte[]> sent = new ArrayList<>();
        MailTransport transport = (from, to, raw) -> {
            sent.add(raw);
            return MailTransport.Delivery.TO_ALL;
        };
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();
        MonthlyReport.Result result = report(Instant.parse("2026-12-10T06:00:00Z"))
                .run(
                        YearMonth.of(2026, 12),
                        MonthlyUsageSource.fromLog(data),
                        data,
                        out,
                        "",
                        new MonthlyReport.Email(
                                "reports@spendgate.test",
                                List.of("cfo@example.test"),
                                10_000_000,
                                transport,
                                name -> "file:///" + name),
                        false);

        assertThat(result.quality().state()).isEqualTo(dev.spendgate.domain.report.DataQuality.MonthState.RUNNING);
        assertThat(sent).hasSize(1);
        MimeMessage message =
                new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(sent.get(0)));
        String body = (String) ((Multipart) message.getContent()).getBodyPart(0).getContent();
        assertThat(body).contains("to date (day 10 of 31)");
        assertThat(message.getSubject())
                .as("the subject of a preview, sent on the 10th with $0.42 of spend so far")
                .containsAnyOf("to date", "so far", "preview", "Preview");
        // the start mail rules filter on is kept
        assertThat(message.getSubject()).isEqualTo("AI spend report December 2026 to date (day 10 of 31): $0.42");
    }
}
