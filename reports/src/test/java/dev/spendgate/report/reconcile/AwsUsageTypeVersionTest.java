package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.MonthlyUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bedrock usage types name the version before or after the model ({@code Claude4.6Sonnet}, {@code ClaudeSonnet4.5});
 * matching them in either order must still keep one version's bill off another version's metering.
 */
class AwsUsageTypeVersionTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_usageTypeOfAnotherVersion_notMatchedWithTheGatewaysModel() throws Exception {
        String header = "identity_line_item_id,identity_time_interval,line_item_line_item_type,"
                + "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
                + "line_item_usage_amount,line_item_unblended_cost,line_item_currency_code\n";
        String day = "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z,Usage,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                + "AmazonBedrock,";
        Path cur = Files.writeString(
                dir.resolve("cur.csv"), header + "l1," + day + "USE1-Claude4.5Sonnet-input-tokens,100000,0.30,USD\n");
        String model = "anthropic.claude-sonnet-4-6";
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 0, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record(
                "c1",
                "bedrock",
                model,
                tokens,
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(AwsBill.read(List.of(cur))));

        assertThat(r.lines()).hasSize(2);
        assertThat(r.lines()).extracting(ReconciliationLine::explanation).doesNotContain(Explanation.MATCHED);
        assertThat(r.lines()).extracting(ReconciliationLine::model).contains(model, "Claude4.5Sonnet");
    }
}
