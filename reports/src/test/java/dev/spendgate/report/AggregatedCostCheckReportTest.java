package dev.spendgate.report;

import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.call;
import static dev.spendgate.report.BoardFiguresRoundTwoReviewTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A month aggregated by a query that checked each cost (the Athena path): what it quarantined is stated in {@code
 * data-quality.json} and the PDF as a month read record by record states it, and what it did not check is said too.
 */
class AggregatedCostCheckReportTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);

    /** What the Athena source hands the report: cells of the sound records, the others counted by reason. */
    static final class AggregatedSource implements MonthlyUsageSource {
        final List<UsageRecord> records;

        AggregatedSource(List<UsageRecord> records) {
            this.records = records;
        }

        @Override
        public MonthlyUsage load(YearMonth month, Set<String> s, Set<String> ids, Consumer<UsageRecord> tap) {
            return load(month, s, ids, tap, CostCheck.NONE);
        }

        @Override
        public MonthlyUsage load(
                YearMonth month, Set<String> s, Set<String> ids, Consumer<UsageRecord> tap, CostCheck check) {
            MonthlyUsage usage = MonthlyUsage.tracking(month, s, ids);
            usage.quality().aggregatedCostCheck(DataQuality.AggregatedCostCheck.CATALOG_MAXIMUM);
            for (UsageRecord r : records) {
                if (!YearMonth.from(r.tsStart().atZone(java.time.ZoneOffset.UTC))
                        .equals(month)) {
                    continue;
                }
                var reason = check.check(r);
                if (reason.isPresent()) {
                    usage.quality().quarantinedAggregated(reason.get(), 1, r.costUsd());
                } else {
                    usage.add(r);
                }
            }
            return usage;
        }
    }

    @Test
    void run_aggregatedMonthWithAForgedCost_statesItQuarantinedAndWhatItDidNotCheck() throws Exception {
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        UsageRecord forged = call("forged-1", t.plusSeconds(60), "support").toBuilder()
                .costUsd(new BigDecimal("999995"))
                .build();
        List<UsageRecord> records = List.of(call("sound-1", t, "support"), forged);
        BoardFiguresRoundTwoReviewTest.Store out = new BoardFiguresRoundTwoReviewTest.Store();

        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(
                        NOV,
                        new AggregatedSource(records),
                        new BoardFiguresRoundTwoReviewTest.Store(),
                        out,
                        "",
                        null,
                        false);

        JsonNode q =
                new ObjectMapper().readTree(out.get(MonthlyReport.DATA_QUALITY).orElseThrow());
        assertThat(q.path("records_checked").asBoolean()).isFalse();
        assertThat(q.path("strict_ok").asBoolean()).isFalse();
        assertThat(q.path("records").path("quarantined").asLong()).isEqualTo(1);
        assertThat(q.path("quarantined").path("implausible_cost").asLong()).isEqualTo(1);
        assertThat(q.path("quarantined_claimed_usd").asText()).isEqualTo("999995");
        assertThat(q.path("calls").path("included").asLong()).isEqualTo(1);
        assertThat(q.path("aggregated_checks").path("checked").toString())
                .contains("above the model's maximum for its tokens");
        assertThat(q.path("aggregated_checks").path("not_checked").toString())
                .contains("a mismatched cost within the model's maximum is summed as written")
                .doesNotContain("negative, implausible");
        assertThat(q.path("summary").asText())
                .contains("totals aggregated by Athena")
                .contains("1 quarantined (claiming $999,995.00, left out of every total)");
        assertThat(BoardFiguresRoundTwoReviewTest.pdfText(out))
                .contains("1 quarantined (claiming $999,995.00")
                .doesNotContain("records were not checked one by one")
                .containsPattern("Quarantined: cost abov.* 1 left out of every total")
                .contains("none of it is in any figure of this report");
    }
}
