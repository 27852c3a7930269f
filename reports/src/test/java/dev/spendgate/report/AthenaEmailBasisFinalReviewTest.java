package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MailTransport;
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
 * R28G-1 made the report email state what its total rests on: "whenever part of the total is estimated", the month's
 * data quality line follows the headline, and for a month read record by record that line says "2 estimated ($0.26
 * of the total)". The CDK stack aggregates the month with Athena (SPENDGATE_ATHENA_DATABASE), whose data quality
 * carries the estimated calls and their cost ({@code DataQuality.aggregated}, "so a pre-aggregated month states the
 * estimated cost as a month read record by record does"), but its summary line, rewritten with the Athena cost check,
 * never states them: the deployed email gets a data-quality line because of the estimate and says nothing of it.
 */
class AthenaEmailBasisFinalReviewTest {

    @Test
    void run_athenaMonthWithEstimatedSpendEmailed_bodyStatesTheEstimatedShare() throws Exception {
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
        List<UsageRecord> records = List.of(
                call("provider-1", t, "support"),
                call("provider-2", t.plusSeconds(30), "support"),
                call("provider-3", Instant.parse("2026-11-20T09:00:00Z"), "eng"),
                call("cut-1", t.plusSeconds(60), "support", UsageRecord.UsageSource.ESTIMATED),
                unsettled);
        List<byte[]> sent = new ArrayList<>();
        MailTransport transport = (from, to, raw) -> {
            sent.add(raw);
            return MailTransport.Delivery.TO_ALL;
        };
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();

        MonthlyReport.Result result = report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(
                        YearMonth.of(2026, 11),
                        // what the Athena source hands the report: cells, the cost check done in the query
                        new AggregatedCostCheckReportTest.AggregatedSource(records),
                        new BoardFiguresRoundTwoReviewTest.Store(),
                        out,
                        "",
                        new MonthlyReport.Email(
                                "reports@spendgate.test",
                                List.of("cfo@example.test"),
                                10_000_000,
                                transport,
                                name -> "file:///" + name),
                        false);

        // the report knows the estimate: a stream cut before its usage ($0.21) and a call never settled ($0.05)
        assertThat(result.quality().recordsChecked()).isFalse();
        assertThat(result.quality().estimatedCalls()).isEqualTo(2);
        assertThat(result.quality().estimatedUsd()).isEqualByComparingTo("0.26");

        assertThat(sent).hasSize(1);
        MimeMessage message =
                new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(sent.get(0)));
        String body = (String) ((Multipart) message.getContent()).getBodyPart(0).getContent();
        assertThat(body).contains("$0.89").contains("Data quality: totals aggregated by Athena");
        // on main the line reads "...: 0 quarantined; damaged objects and unreadable lines not counted." and no more
        assertThat(body)
                .as("the email says, as it does for a month read record by record, that $0.26 of the $0.89 is"
                        + " estimated (a cut stream, a call charged at its reserved worst case)")
                .contains("$0.26");
    }
}
