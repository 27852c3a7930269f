package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * A completed month on Lambda Managed Instances whose calls stop before its end. README "The gateway's own AWS cost":
 * LMI's "fleet is paid for whether or not calls come" ("a bill of at least $304 a month with no traffic"), the report
 * prices it "on every day from the month's first day with calls to its last (the fleet runs on the quiet days between
 * them too)", and "A report of a month still running has the days through its last day with calls" (so a completed
 * month's do not stop there). The report runner runs in the same stack on the 1st of the next month: the fleet and
 * the two secrets still exist, so they ran on every day after the last call. The report stops the fleet's and the
 * secrets' rows at the last day with calls: November with calls on its first 10 days shows 10 days of a fleet AWS
 * billed for 30 (3 x m7g.large x $0.0816 x 24 h = $5.8752 a day: $58.75 shown, $176.26 billed), and a third of the
 * secrets' $0.80 month ("a whole month is $0.40 a secret whatever its length").
 */
class ManagedFleetQuietTailReviewTest {

    @Test
    void focus_completedMonthQuietAfterTheTenth_fleetAndSecretsPricedToTheMonthsEnd() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(GatewayCostReportTest.MONTH, 600, 10, 11).writeTo(data);
        MapObjectStore out = new MapObjectStore();
        // the report of November runs on 1 December (GatewayCostReportTest.report's clock): the month is complete
        GatewayCostReportTest.report()
                .withGatewayCost(new GatewayCostRows(
                        GatewayCostReportTest.CALL,
                        GatewayCostReportTest.SERVICES,
                        new GatewayCostRows.ManagedFleet(
                                GatewayCostReportTest.LMI, 12, "the deployment's instance type")))
                .run(GatewayCostReportTest.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        List<CSVRecord> rows = GatewayCostReportTest.gatewayRows(out);
        List<CSVRecord> fleet = rows.stream()
                .filter(r -> r.get("ServiceName").equals(GatewayCostRows.EC2_SERVICE))
                .toList();
        Set<String> fleetDays =
                fleet.stream().map(r -> r.get("ChargePeriodStart")).collect(Collectors.toSet());
        assertThat(fleetDays).as("days of November the fleet is priced on").hasSize(30);
        assertThat(GatewayCostReportTest.sum(fleet))
                .isEqualByComparingTo(new BigDecimal("5.8752").multiply(BigDecimal.valueOf(30)));
        BigDecimal secrets = GatewayCostReportTest.sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("AWS Secrets Manager"))
                .filter(r -> r.get("ChargeDescription").contains("secrets the stack creates"))
                .toList());
        assertThat(GatewayCostReportTest.cents(secrets))
                .as("two secrets for the whole of November")
                .isEqualByComparingTo("0.80");
    }

    /**
     * A completed month without a call on managed instances: the fleet (3 x m7g.large, $176.26 for November's 720 h,
     * plus Lambda's 15 % fee, $26.44) and the secrets ($0.80) were billed all the same, yet data-quality.json's
     * estimate says $0.
     */
    @Test
    void dataQuality_completedMonthWithoutCalls_estimateIsNotZero() throws Exception {
        MapObjectStore data = new MapObjectStore();
        MapObjectStore out = new MapObjectStore();
        GatewayCostReportTest.report()
                .withGatewayCost(new GatewayCostRows(
                        GatewayCostReportTest.CALL,
                        GatewayCostReportTest.SERVICES,
                        new GatewayCostRows.ManagedFleet(
                                GatewayCostReportTest.LMI, 12, "the deployment's instance type")))
                .run(GatewayCostReportTest.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        var estimate = GatewayCostReportTest.JSON
                .readTree(out.get(MonthlyReport.DATA_QUALITY).orElseThrow())
                .path("gateway_cost_estimate");
        assertThat(estimate.path("estimated").asBoolean()).isTrue();
        // at least the instances and their fee for the 30 days: 3 x $0.0816 x 720 h x 1.15
        assertThat(new BigDecimal(estimate.path("usd").asText("0"))).isGreaterThanOrEqualTo(new BigDecimal("202.69"));
    }
}
