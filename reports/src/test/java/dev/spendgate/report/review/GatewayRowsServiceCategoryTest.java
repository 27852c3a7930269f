package dev.spendgate.report.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own AWS cost rows in focus-1.1.csv (README "The gateway's own AWS cost": one row per day and AWS
 * service, ServiceName the AWS service). FOCUS 1.1 ServiceCategory is "the highest-level classification of a service
 * based on the core function of the service", and ServiceSubcategory "a further classification ... based on its core
 * function" (FOCUS_Spec specification/columns/servicecategory.md, servicesubcategory.md): AWS Lambda is Compute /
 * Serverless Compute and DynamoDB is Databases / NoSQL Databases (the FOCUS 1.1 and 1.2 allowed value), as AWS's own
 * FOCUS export classifies them. A FinOps tool that groups the file by ServiceCategory must not see the gateway's
 * Lambda, DynamoDB and S3 bill as Generative AI spend.
 */
class GatewayRowsServiceCategoryTest {

    @Test
    void focus_gatewayAwsRows_carryTheAwsServicesOwnServiceCategory() throws IOException {
        GatewayCostRows gateway = new GatewayCostRows(
                CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE),
                GatewayCostModel.create(AwsPrices.US_EAST_1));
        List<FocusCharge> rows = gateway.focusCharges(Map.of(LocalDate.of(2026, 11, 3), 1_000_000L));
        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(YearMonth.of(2026, 11), rows);

        List<CSVRecord> records = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))
                .getRecords();
        Map<String, String> category = new HashMap<>();
        Map<String, String> subcategory = new HashMap<>();
        for (CSVRecord r : records) {
            category.put(r.get("ServiceName"), r.get("ServiceCategory"));
            subcategory.put(r.get("ServiceName"), r.get("ServiceSubcategory"));
        }

        assertThat(category).containsKeys("AWS Lambda", "Amazon DynamoDB");
        assertThat(category.get("AWS Lambda")).isEqualTo("Compute");
        assertThat(subcategory.get("AWS Lambda")).isEqualTo("Serverless Compute");
        assertThat(category.get("Amazon DynamoDB")).isEqualTo("Databases");
        assertThat(subcategory.get("Amazon DynamoDB")).isEqualTo("NoSQL Databases");
        assertThat(subcategory.values()).doesNotContain("Generative AI");
    }
}
