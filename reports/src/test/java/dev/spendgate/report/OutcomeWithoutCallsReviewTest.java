package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import java.math.BigDecimal;
import java.time.Instant;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/**
 * Outcomes that name a session no call of the posting key carries (a client that posts its ticket number instead of
 * its {@code X-Cost-Session}, another key's session, a session older than the month before).
 *
 * <p>README: the attributed figure is "the cost of only the sessions and requests named by the outcome / count", and
 * the success rate counts only sessions with calls of this month or the month before. Standard: figures shown to
 * finance say where they come from and what data quality they rest on. An outcome whose session has no call is not
 * evidence that the work cost nothing: the report does not know what it cost.
 */
class OutcomeWithoutCallsReviewTest {

    /**
     * The support bot resolved 4 tickets: for one it posted its session s-1, for three it posted the helpdesk's ticket
     * numbers, which no call carries. The board prints the ticket's attributed cost as s-1's cost over 4, a quarter of
     * what the one traced ticket cost, and nothing in the section says 3 of the 4 outcomes were matched to no call.
     */
    @Test
    void report_outcomesNamingNoCall_areNotSilentlyCountedAtNoCost() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        for (int i = 0; i < 5; i++) {
            month.records.add(call(
                    "req-" + i, t.plusSeconds(60L * i), "key-support", "support-chat", "support", "s-1", 6_000, 500));
        }
        month.writeTo(data);
        OutcomeLog log = OutcomeLog.create(data);
        log.record(new Outcome(t.plusSeconds(600), "s-1", null, "ticket_resolved", 1, "key-support"));
        for (String ticket : new String[] {"HD-1041", "HD-1042", "HD-1043"}) {
            log.record(new Outcome(t.plusSeconds(700), ticket, null, "ticket_resolved", 1, "key-support"));
        }
        BigDecimal traced = month.records.stream().map(r -> r.costUsd()).reduce(BigDecimal.ZERO, BigDecimal::add);
        MapObjectStore out = new MapObjectStore();

        MonthlyReport.Result result = OutcomeCostReviewTest.report()
                .run(OutcomeCostReviewTest.NOVEMBER, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        MonthlyFigures.OutcomeCost o = result.figures().outcomes().get(0);
        String text;
        try (PDDocument pdf = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(pdf);
        }
        int from = text.lastIndexOf("Cost per outcome");
        String section = text.substring(from).replaceAll("\\s+", " ");
        // prints attributed traced/4 and fully loaded traced/4, as if the 3 untraced tickets had cost nothing
        assertThat(o.count()).isEqualTo(4);
        assertThat(section)
                .as("cost per outcome of ticket_resolved: 1 outcome traced to s-1 (%s USD), 3 to no call", traced)
                .satisfiesAnyOf(
                        s -> assertThat(o.costPerOutcomeUsd()).isEqualByComparingTo(traced),
                        s -> assertThat(s).containsIgnoringCase("no call"),
                        s -> assertThat(s).containsIgnoringCase("not found"),
                        s -> assertThat(s).containsIgnoringCase("unmatched"),
                        s -> assertThat(s).containsIgnoringCase("untraced"));
    }
}
