package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.report.email.ReportEmailText;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** Which earlier email a forced re-send says it corrects: the one its sent marker records, not the last run's files. */
class EmailCorrectionMarkerTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    static ReportEmailText.SentEmail marker(String json) {
        return MonthlyReport.sentEmail(json.getBytes(StandardCharsets.UTF_8), DataQuality.MonthState.COMPLETE);
    }

    /**
     * November's email carried $0.21; a later {@code --no-email} run wrote files of $0.42; the forced re-send of $0.42
     * replaces the email finance holds, of $0.21, though the last run's files already said $0.42.
     */
    @Test
    void forcedResend_correctsTheEmailSent_notTheLastRunsFiles() {
        ReportEmailText.SentEmail sent = marker("{\"month\":\"2026-11\",\"month_state\":\"complete\","
                + "\"sent_at\":\"2026-12-02T06:00:00Z\",\"recipients\":1,\"billed_cost_usd\":\"0.21\"}");
        MonthManifest.Run noEmailRun = new MonthManifest.Run(
                NOVEMBER, Instant.parse("2026-12-03T08:00:00Z"), "complete", new BigDecimal("0.42"));

        ReportEmailText.Correction c = ReportEmailText.emailCorrection(
                sent, noEmailRun, DataQuality.MonthState.COMPLETE, new BigDecimal("0.42"));

        assertThat(c).isNotNull();
        assertThat(c.earlierGeneratedAt()).isEqualTo(Instant.parse("2026-12-02T06:00:00Z"));
        assertThat(c.earlierTotalUsd()).isEqualByComparingTo("0.21");
        assertThat(ReportEmailText.emailCorrection(
                        sent, noEmailRun, DataQuality.MonthState.COMPLETE, new BigDecimal("0.210")))
                .as("a re-send of the total the email carried corrects nothing")
                .isNull();
    }

    /** A marker written before the total was recorded: compared with the month's last run, as the earlier version did. */
    @Test
    void markerWithoutItsTotal_comparesWithTheLastRun() {
        ReportEmailText.SentEmail old =
                marker("{\"month\":\"2026-11\",\"sent_at\":\"2026-12-02T06:00:00Z\",\"recipients\":1}");
        MonthManifest.Run last = new MonthManifest.Run(
                NOVEMBER, Instant.parse("2026-12-02T06:00:00Z"), "complete", new BigDecimal("0.21"));

        ReportEmailText.Correction c =
                ReportEmailText.emailCorrection(old, last, DataQuality.MonthState.COMPLETE, new BigDecimal("0.42"));

        assertThat(c).isNotNull();
        assertThat(c.earlierTotalUsd()).isEqualByComparingTo("0.21");
        assertThat(ReportEmailText.emailCorrection(null, last, DataQuality.MonthState.COMPLETE, new BigDecimal("0.42")))
                .as("no email sent: nothing to correct")
                .isNull();
    }

    /** The preview's email is not what the complete month's first email corrects. */
    @Test
    void previewsEmail_isNotCorrectedByTheCompleteMonths() {
        ReportEmailText.SentEmail preview = marker("{\"month\":\"2026-11\",\"month_state\":\"running\","
                + "\"sent_at\":\"2026-11-20T06:00:00Z\",\"recipients\":1,\"billed_cost_usd\":\"0.10\"}");

        assertThat(ReportEmailText.emailCorrection(
                        preview, null, DataQuality.MonthState.COMPLETE, new BigDecimal("0.42")))
                .isNull();
    }
}
