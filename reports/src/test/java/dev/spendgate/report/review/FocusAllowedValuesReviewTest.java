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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * README "Finance reports": the FOCUS 1.1 file's rows carry "allowed values". FOCUS 1.1 ServiceSubcategory
 * (FOCUS_Spec tag v1.1, specification/columns/servicesubcategory.md) "MUST be one of the allowed values", each under
 * its one ServiceCategory parent. The allowed values of the categories the gateway's own AWS rows use are, verbatim
 * from that table: Databases: Caching, Data Warehouses, Ledger Databases, NoSQL Databases, Relational Databases, Time
 * Series Databases, Other (Databases); Security: Secret Management, Security Posture Management, Threat Detection and
 * Response, Other (Security). ("NoSQL" and "Credentials" are values of a later draft, not of 1.1 or 1.2.) A FinOps
 * tool validating the file, or joining it with AWS's own FOCUS export on ServiceSubcategory, rejects or splits them.
 */
class FocusAllowedValuesReviewTest {

    /** FOCUS 1.1's allowed ServiceSubcategory values per ServiceCategory (the categories these rows use). */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "AI and Machine Learning",
            Set.of(
                    "AI Platforms",
                    "Bots",
                    "Generative AI",
                    "Machine Learning",
                    "Natural Language Processing",
                    "Other (AI and Machine Learning)"),
            "Analytics",
            Set.of(
                    "Analytics Platforms",
                    "Business Intelligence",
                    "Data Processing",
                    "Search",
                    "Streaming Analytics",
                    "Other (Analytics)"),
            "Compute",
            Set.of(
                    "Containers",
                    "End User Computing",
                    "Quantum Compute",
                    "Serverless Compute",
                    "Virtual Machines",
                    "Other (Compute)"),
            "Databases",
            Set.of(
                    "Caching",
                    "Data Warehouses",
                    "Ledger Databases",
                    "NoSQL Databases",
                    "Relational Databases",
                    "Time Series Databases",
                    "Other (Databases)"),
            "Integration",
            Set.of("API Management", "Messaging", "Workflow Orchestration", "Other (Integration)"),
            "Management and Governance",
            Set.of(
                    "Architecture",
                    "Compliance",
                    "Cost Management",
                    "Data Governance",
                    "Disaster Recovery",
                    "Endpoint Management",
                    "Observability",
                    "Support",
                    "Other (Management and Governance)"),
            "Networking",
            Set.of(
                    "Application Networking",
                    "Content Delivery",
                    "Network Connectivity",
                    "Network Infrastructure",
                    "Network Routing",
                    "Network Security",
                    "Other (Networking)"),
            "Security",
            Set.of(
                    "Secret Management",
                    "Security Posture Management",
                    "Threat Detection and Response",
                    "Other (Security)"),
            "Storage",
            Set.of(
                    "Backup Storage",
                    "Block Storage",
                    "File Storage",
                    "Object Storage",
                    "Storage Platforms",
                    "Other (Storage)"),
            "Other",
            Set.of("Other (Other)"));

    @Test
    void focus_gatewayAwsRows_serviceSubcategoryIsAFocus11AllowedValue() throws IOException {
        GatewayCostRows gateway = new GatewayCostRows(
                CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE),
                GatewayCostModel.create(AwsPrices.US_EAST_1));
        List<FocusCharge> rows = gateway.focusCharges(Map.of(LocalDate.of(2026, 11, 3), 1_000_000L));
        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(YearMonth.of(2026, 11), rows);

        Map<String, String> notAllowed = new TreeMap<>();
        Map<String, String> seen = new TreeMap<>();
        for (CSVRecord r : records(csv)) {
            String category = r.get("ServiceCategory");
            String sub = r.get("ServiceSubcategory");
            seen.put(r.get("ServiceName"), category + " / " + sub);
            if (!ALLOWED.getOrDefault(category, Set.of()).contains(sub)) {
                notAllowed.put(r.get("ServiceName"), category + " / " + sub);
            }
        }
        assertThat(seen).containsKeys("Amazon DynamoDB", "AWS Secrets Manager");
        assertThat(seen)
                .containsEntry("Amazon DynamoDB", "Databases / NoSQL Databases")
                .containsEntry("AWS Secrets Manager", "Security / Secret Management");
        assertThat(notAllowed).isEmpty();
    }

    static List<CSVRecord> records(byte[] csv) throws IOException {
        return CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))
                .getRecords();
    }
}
