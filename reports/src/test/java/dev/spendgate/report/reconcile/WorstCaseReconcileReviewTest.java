package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Bedrock calls on November 1st, both through the gateway. One settled (100k input, 10k output tokens); the other
 * never settled: the gateway stopped between forwarding and recording it, and the sweeper charged the worst case it
 * had reserved ({@code cost_basis: reserved_worst_case}, tokens unknown, $2.00; README "Usage record"). AWS billed
 * both calls' real tokens. {@code spendgate reconcile} then tells finance that the second call's tokens were "not seen
 * by the gateway" (README: "calls around the gateway, e.g. a raw-key team") and that the catalog is $2.00 off
 * ("price_drift: same tokens, different cost"). Neither is true: the gateway saw the call; its metered figure is a
 * worst-case estimate the provider's actual bill replaces. Both figures also go into the FOCUS file as provider-bill
 * rows under those classes.
 */
class WorstCaseReconcileReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_unsettledCallChargedAtWorstCase_isNeitherNotSeenNorPriceDrift() throws Exception {
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        BigDecimal perCall =
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens);
        // AWS FOCUS export: both calls' tokens, at the catalog's price (the same price the gateway uses)
        BigDecimal in = BillImportTest.CATALOG
                .find("bedrock", model)
                .orElseThrow()
                .cost(new TokenUsage(200_000, 0, 0, 0, 0, 0));
        BigDecimal out =
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(new TokenUsage(0, 0, 0, 0, 20_000, 0));
        String header =
                "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                        + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,"
                        + "ServiceName,ResourceId,Tags,x_UsageType\n";
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        Path export = Files.writeString(
                dir.resolve("focus-2026-11.csv"),
                header
                        + in.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "200000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                        + out.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "20000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n");
        ProviderBill bill = AwsBill.read(List.of(export));

        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record("settled", "bedrock", model, tokens, perCall));
        Instant t = Instant.parse("2026-11-01T11:00:00Z");
        metered.add(UsageRecord.builder()
                .requestId("unsettled")
                .tsStart(t)
                .tsEnd(t.plusSeconds(960))
                .keyId("k")
                .provider("bedrock")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(TokenUsage.ZERO)
                .costUsd(new BigDecimal("2.00"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build());

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(bill));

        ReconciliationLine line = r.lines().stream()
                .filter(l -> l.source() == BillSource.AWS && "tokens".equals(l.item()))
                .findFirst()
                .orElseThrow();
        assertThat(line.notSeenUsd())
                .as(
                        "both calls went through the gateway: none of the billed tokens is traffic it did not see"
                                + " (line: %s %s, billed %s, metered %s, not seen %s, price drift %s)",
                        line.explanation(),
                        line.dataQuality(),
                        line.billedUsd(),
                        line.meteredUsd(),
                        line.notSeenUsd(),
                        line.priceDriftUsd())
                .isZero();
        assertThat(line.priceDriftUsd())
                .as("the catalog priced the billed tokens right; the $2.00 is a worst-case estimate, not drift")
                .isZero();
    }
}
