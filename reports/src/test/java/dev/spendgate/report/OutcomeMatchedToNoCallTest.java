package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import java.time.Instant;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/**
 * Outcomes that name an id no call of their key carries are counted (the documented divisor) and said: in the cost per
 * outcome section, the summary and the data quality (PDF note and {@code data-quality.json}).
 */
class OutcomeMatchedToNoCallTest {

    @Test
    void report_threeOfFourOutcomesNameTicketNumbers_countedAndNamedAsMatchedToNoCall() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        month.records.add(call("req-1", t, "key-support", "support-chat", "support", "s-1", 6_000, 500));
        // another key's s-2: not support's
        month.records.add(call("req-2", t.plusSeconds(5), "key-sales", "lead-gen", "sales", "s-2", 6_000, 500));
        month.writeTo(data);
        OutcomeLog log = OutcomeLog.create(data);
        log.record(new Outcome(t.plusSeconds(600), "s-1", null, "ticket_resolved", 1, "key-support"));
        log.record(new Outcome(t.plusSeconds(700), "HD-1041", null, "ticket_resolved", 1, "key-support"));
        log.record(new Outcome(t.plusSeconds(700), "s-2", null, "ticket_resolved", 1, "key-support"));
        log.record(new Outcome(t.plusSeconds(700), null, "req-missing", "ticket_resolved", 1, "key-support"));
        MapObjectStore out = new MapObjectStore();

        MonthlyReport.Result result = OutcomeCostReviewTest.report()
                .run(OutcomeCostReviewTest.NOVEMBER, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        MonthlyFigures.OutcomeCost o = result.figures().outcomes().get(0);
        assertThat(o.count()).isEqualTo(4);
        assertThat(o.unmatched()).isEqualTo(3);
        String text;
        try (PDDocument pdf = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(pdf).replaceAll("\\s+", " ");
        }
        String summary = text.substring(text.indexOf("Summary"), text.indexOf("Daily spend"));
        assertThat(summary).contains("4 outcomes, 3 of them matched to no call");
        int from = text.lastIndexOf("Cost per outcome");
        String section = text.substring(from, text.indexOf("Fully loaded cost per outcome =", from));
        assertThat(section).contains("Outcomes matched to no call").contains("ticket_resolved: 3 of 4");
        String quality = text.substring(text.lastIndexOf("Data quality"));
        assertThat(quality).contains("3 posted outcomes were matched to no call");
        JsonNode json =
                new ObjectMapper().readTree(out.get(MonthlyReport.DATA_QUALITY).orElseThrow());
        assertThat(json.path("outcomes").path("matched_to_no_call").asLong()).isEqualTo(3);
    }
}
