package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "In the monthly report": with provider bills the FOCUS file carries what the providers billed beyond the
 * metering, "so the export carries what finance pays". FOCUS 1.1 ChargeCategory (FOCUS_Spec v1.1,
 * specification/columns/chargecategory.md) has a value for each kind: "Tax: Positive or negative applicable taxes that
 * are levied by the relevant authorities including refunds", "Credit: Positive or negative charges granted by the
 * provider for various scenarios e.g promotional credits", and "Adjustment: ... charges the provider applies that do
 * not fall into other category values". An AWS CUR 2.0 line of {@code line_item_line_item_type} Tax (the sample's
 * {@code a6}, $0.12) and one of type Credit ($-2.673) are tax and a credit; written as Adjustment, a FinOps analyst's
 * standard "spend before tax" query ({@code WHERE ChargeCategory <> 'Tax'}) counts the tax as spend, and credits
 * cannot be told from catalog adjustments.
 */
class ProviderBillChargeCategoryReviewTest {
    @TempDir
    Path dir;

    @Test
    void focus_awsTaxAndCreditLines_writtenAsTaxAndCreditCategories() throws Exception {
        String credit = "a7,2026-11-01T00:00:00Z/2026-11-02T00:00:00Z,2026-11-01T00:00:00Z,Credit,"
                + "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,AmazonBedrock,USE1-ClaudeSonnet4.5-input-tokens,"
                + "InvokeModelInference,,0,,-2.673,USD,us-east-1,{}\n";
        Path cur = Files.writeString(
                dir.resolve("cur.csv"), Files.readString(BillImportTest.sample("aws-cur2-bedrock.csv")) + credit);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        for (String id : new String[] {"b1", "b2"}) {
            metered.add(BillImportTest.record(
                    id,
                    "bedrock",
                    model,
                    tokens,
                    BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));
        }
        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1.plusDays(1), List.of(AwsBill.read(List.of(cur))));

        List<FocusCharge> rows = ProviderBillRows.focusCharges(r);
        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(YearMonth.of(2026, 11), rows);

        Map<String, String> categoryByCost = new TreeMap<>();
        for (CSVRecord rec : CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))) {
            categoryByCost.put(rec.get("BilledCost"), rec.get("ChargeCategory"));
        }
        // the AWS tax line ($0.12) and the credit ($-2.673) are in the file...
        assertThat(categoryByCost).containsKeys("0.12", "-2.673");
        // ...as the FOCUS categories of what they are
        assertThat(categoryByCost).containsEntry("0.12", "Tax").containsEntry("-2.673", "Credit");
    }
}
