package dev.spendgate.aws.athena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Athena query holds each cost to its identity's ceiling, listed in a VALUES table of at most 60,000 bytes
 * ({@code CEILING_BYTES}, about 250 identities of a month). The identities past that room are "left unchecked and
 * counted in a warning of the data quality" (the method's comment), but the only trace is a line on stderr: the
 * month's data quality still says CATALOG_MAXIMUM, data-quality.json's {@code aggregated_checks} and the PDF say each
 * record's cost was held to its model's maximum "as the in-process reader checks it", and the costs it never checked
 * are in the total. 400 priced identities of a known model (one per model id the clients ask for, each served as the
 * same catalog model), each with one record claiming $999.50 for its few thousand tokens: the in-process reader
 * quarantines all 400.
 */
class AthenaCeilingRoomFinalReviewTest {
    final DuckDbAthena athena = new DuckDbAthena();
    final AthenaMonthlyUsageSource source = new AthenaMonthlyUsageSource(
            athena, new AthenaMonthlyUsageSource.Settings("spendgate", "usage", null, null, Duration.ofSeconds(30)));

    @AfterEach
    void close() {
        athena.close();
    }

    @Test
    void load_moreIdentitiesThanTheCeilingsRoom_everyImplausibleCostQuarantinedOrTheCheckNotClaimed() {
        List<UsageRecord> month = AthenaMonthlyUsageSourceSqlTest.simulatedMonth();
        UsageRecord template = month.stream()
                .filter(r -> r.costUsd() != null && r.costUsd().signum() > 0)
                .filter(r -> r.provider() != null && r.modelServed() != null && r.modelRequested() != null)
                .filter(r -> r.tokens().webSearches() == 0 && !r.worstCaseEstimate())
                .filter(r -> !"bedrock".equals(r.pricedProvider()))
                .findFirst()
                .orElseThrow();
        List<UsageRecord> forged = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            forged.add(template.toBuilder()
                    .requestId("forged-" + i)
                    .modelRequested(template.modelRequested() + "-app-" + i)
                    .costUsd(new BigDecimal("999.50"))
                    .build());
        }
        CostCheck check = CostCheck.against(AthenaMonthlyUsageSourceSqlTest.CATALOG);
        MonthlyUsage read = AthenaMonthlyUsageSourceSqlTest.readRecordByRecord(forged, check);
        assertThat(read.quality().quarantined()).containsEntry(CostCheck.Reason.IMPLAUSIBLE_COST, 400L);
        source.createTableIfMissing("usage-bucket");
        athena.add(forged);

        MonthlyUsage aggregated = source.load(AthenaMonthlyUsageSourceSqlTest.NOV, Set.of(), Set.of(), r -> {}, check);

        // what data-quality.json and the PDF then state
        boolean claimsEveryCostHeldToItsMaximum =
                aggregated.quality().aggregatedCostCheck() == DataQuality.AggregatedCostCheck.CATALOG_MAXIMUM;
        assertThat(claimsEveryCostHeldToItsMaximum).isTrue();
        // on main 142 of them ($141,929.00) are summed into the month's total, checked for sign only
        assertThat(aggregated.totalCostUsd())
                .as("the month's total, which the report says holds no cost above its model's maximum")
                .isEqualByComparingTo(read.totalCostUsd());
        assertThat(aggregated.quality().quarantined()).containsEntry(CostCheck.Reason.IMPLAUSIBLE_COST, 400L);
    }

    @Test
    void load_morePricedModelsThanTheCeilingsRoom_saysHowManyRecordsWereCheckedForSignOnly() {
        List<UsageRecord> month = AthenaMonthlyUsageSourceSqlTest.simulatedMonth();
        UsageRecord template = month.stream()
                .filter(r -> r.costUsd() != null && r.costUsd().signum() > 0)
                .filter(r -> r.tokens().webSearches() == 0 && !r.worstCaseEstimate())
                .filter(r -> "openai".equals(r.provider()) && r.pricingProvider() == null)
                .filter(r -> r.modelServed() != null && !r.modelServed().matches(".*-\\d{4}-\\d{2}-\\d{2}$"))
                .filter(r -> AthenaMonthlyUsageSourceSqlTest.CATALOG
                        .find("openai", r.modelServed() + "-2024-01-01")
                        .isPresent())
                .findFirst()
                .orElseThrow();
        // 400 dated snapshot ids of one model, each priced as the model: more rows than the query has room for
        List<UsageRecord> dated = new ArrayList<>();
        java.time.LocalDate day = java.time.LocalDate.of(2024, 1, 1);
        for (int i = 0; i < 400; i++, day = day.plusDays(1)) {
            dated.add(template.toBuilder()
                    .requestId("dated-" + i)
                    .modelServed(template.modelServed() + "-" + day)
                    .build());
        }
        source.createTableIfMissing("usage-bucket");
        athena.add(dated);

        MonthlyUsage aggregated = source.load(
                AthenaMonthlyUsageSourceSqlTest.NOV,
                Set.of(),
                Set.of(),
                r -> {},
                CostCheck.against(AthenaMonthlyUsageSourceSqlTest.CATALOG));

        assertThat(aggregated.quality().uncheckedRecords()).isPositive().isLessThan(400);
        assertThat(aggregated.quality().uncheckedIdentities())
                .isEqualTo(aggregated.quality().uncheckedRecords());
        assertThat(aggregated.quality().summaryLine())
                .contains("records of")
                .contains("priced models checked for sign and number only");
    }
}
