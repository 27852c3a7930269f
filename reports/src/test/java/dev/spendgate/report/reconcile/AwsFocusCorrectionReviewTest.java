package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FOCUS export of November carries, beside November's usage, corrections to a previously invoiced billing period
 * (FOCUS 1.1 ChargeClass: "MUST be 'Correction' when the row represents a correction to a previously invoiced billing
 * period", e.g. refunds): BillingPeriodStart is November, ChargePeriodStart in October, and ConsumedQuantity is null
 * (FOCUS 1.1 ConsumedQuantity: not null only when ChargeCategory is Usage and ChargeClass is not Correction; "MUST be
 * null in all other cases"). The row is on November's invoice, which is what finance pays (README "Reconciliation
 * with provider bills": bad input is refused, "days the provider data lacks are stated as warnings, never silently
 * dropped"). Such an export must be read, and the $0.50 refund must either count in November's billed total or be
 * named in a warning. Today the whole export is refused ("ConsumedQuantity '' is not a number").
 */
class AwsFocusCorrectionReviewTest {
    @TempDir
    Path dir;

    @Test
    void aws_focusExportWithACorrectionOfLastMonth_readAndItsAmountCountedOrNamed() throws Exception {
        String header =
                "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                        + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,"
                        + "ServiceName,ResourceId,Tags,x_UsageType\n";
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        Path export = Files.writeString(
                dir.resolve("focus-2026-11.csv"),
                header
                        + "0.66," + nov + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "200000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                        + "0.33," + nov + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "20000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n"
                        + "-0.50," + nov + "Correction,Refund of Claude Sonnet 4.5 input tokens,"
                        + "2026-10-20T00:00:00Z,2026-10-21T00:00:00Z,,,Amazon Bedrock,,{},"
                        + "USE1-ClaudeSonnet4.5-input-tokens\n");

        ProviderBill bill = AwsBill.read(List.of(export));

        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        for (String id : new String[] {"c1", "c2"}) {
            metered.add(BillImportTest.record(
                    id,
                    "bedrock",
                    model,
                    tokens,
                    BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));
        }
        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(bill));

        boolean counted = r.totals().get(BillSource.AWS).billedUsd().compareTo(new java.math.BigDecimal("0.49")) == 0;
        boolean named = r.warnings().stream().anyMatch(w -> w.contains("2026-10-20") || w.contains("-0.5"));
        assertThat(counted || named)
                .as(
                        "the refund on November's invoice is counted or named; billed %s, warnings %s",
                        r.totals().get(BillSource.AWS).billedUsd(), r.warnings())
                .isTrue();
    }
}
