package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The stack always creates a customer-managed KMS key, {@code AlertsKey} (SpendgateStack: "A customer-managed key,
 * because CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key", with automatic rotation). AWS
 * KMS bills "$1 per month (prorated hourly)" for each customer managed key, and with rotation $1 more a month for each
 * of its first two rotations (https://aws.amazon.com/kms/pricing/); no free tier covers key storage. The report adds
 * Secrets Manager's monthly fee for the stack's two secrets ($0.80, README "The gateway's own AWS cost") as the
 * stack's fixed cost, but not this key's $1 or more, so a completed month's "total cost of AI" leaves out more of
 * the stack's fixed cost than it shows.
 */
class StackFixedFeesReviewTest {

    @Test
    void focus_completedMonth_includesTheAlertsKeysMonthlyFee() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(GatewayCostReportTest.MONTH, 900, 30, 13).writeTo(data);
        MapObjectStore out = new MapObjectStore();
        GatewayCostReportTest.report()
                .withGatewayCost(new GatewayCostRows(GatewayCostReportTest.CALL, GatewayCostReportTest.SERVICES))
                .run(GatewayCostReportTest.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        List<CSVRecord> kms = GatewayCostReportTest.gatewayRows(out).stream()
                .filter(r -> r.get("ServiceName").equals("AWS Key Management Service"))
                .toList();
        assertThat(GatewayCostReportTest.cents(GatewayCostReportTest.sum(kms)))
                .as("the AlertsKey for the whole of November: at least $1")
                .isGreaterThanOrEqualTo(new BigDecimal("1.00"));
    }
}
