package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.FocusCharges;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * README "Finance reports": "{@code PublisherName} who made the model" (FOCUS 1.1 PublisherName: "the entity that
 * produced the resources or services that were purchased"); the metered rows of a Bedrock Claude model say
 * {@code Anthropic}. With provider bills, the Bedrock tokens the gateway did not see are a {@code provider_bill} row
 * of the same model (the sample CUR bills two calls of {@code anthropic.claude-sonnet-4-5-20250929-v1:0}, the gateway
 * metered one). That row must name the same publisher: a FinOps analyst grouping the file by PublisherName otherwise
 * sees half of the month's Claude spend under Amazon Web Services.
 */
class ProviderBillPublisherReviewTest {

    @Test
    void focus_notSeenBedrockClaudeTokens_publishedByAnthropicLikeTheMeteredRows() throws Exception {
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record(
                "b1",
                "bedrock",
                model,
                tokens,
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));
        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered,
                        BillImportTest.NOV1,
                        List.of(AwsBill.read(List.of(BillImportTest.sample("aws-cur2-bedrock.csv")))));

        List<FocusCharge> rows =
                new ArrayList<>(FocusCharges.of(metered, BillImportTest.CATALOG, BillImportTest.CATALOG));
        rows.addAll(ProviderBillRows.focusCharges(r));
        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(YearMonth.of(2026, 11), rows);

        List<String> meteredPublishers = new ArrayList<>();
        List<String> billPublishers = new ArrayList<>();
        for (CSVRecord rec : CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))) {
            if (rec.get("ChargeDescription").startsWith("provider_bill: not seen by the gateway (" + model)) {
                billPublishers.add(rec.get("PublisherName"));
            } else if (rec.get("ChargeCategory").equals("Usage")) {
                meteredPublishers.add(rec.get("PublisherName"));
            }
        }
        assertThat(meteredPublishers).isNotEmpty().containsOnly("Anthropic");
        assertThat(billPublishers).isNotEmpty().containsOnly("Anthropic");
    }
}
