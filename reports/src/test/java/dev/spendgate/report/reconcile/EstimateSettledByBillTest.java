package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls the gateway charged at an estimate (a stream cut before its usage event, priced on tokens it counted itself;
 * a call that never settled, charged at its reserved worst case) are settled by the provider's bill: finance sees the
 * gap under {@code estimate_settled_by_bill}, not as traffic around the gateway or as a catalog price off, while
 * billed tokens beyond what those calls can account for still show as not seen.
 */
class EstimateSettledByBillTest {
    private static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final ModelPrice PRICE =
            BillImportTest.CATALOG.find("bedrock", MODEL).orElseThrow();

    @TempDir
    Path dir;

    private ProviderBill awsBill(long input, long output) throws Exception {
        // a day's tokens of many calls: at the per-token rates, never one call's long-context rates
        BigDecimal in = perToken(input, 0);
        BigDecimal out = perToken(0, output);
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        Path export = Files.writeString(
                dir.resolve("focus-2026-11.csv"),
                "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                        + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,"
                        + "ConsumedUnit,ServiceName,ResourceId,Tags,x_UsageType\n"
                        + in.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + input + ",Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                        + out.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + output + ",Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n");
        return AwsBill.read(List.of(export));
    }

    private static BigDecimal perToken(long input, long output) {
        return PRICE.standardRates()
                .input()
                .multiply(BigDecimal.valueOf(input))
                .add(PRICE.standardRates().output().multiply(BigDecimal.valueOf(output)))
                .movePointLeft(6);
    }

    private static UsageRecord estimated(String id, TokenUsage tokens, BigDecimal cost, boolean worstCase) {
        Instant t = Instant.parse("2026-11-01T11:00:00Z");
        UsageRecord.Builder b = UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(5))
                .keyId("k")
                .provider("bedrock")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED);
        if (worstCase) {
            b.errorType("unsettled").costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE);
        }
        return b.build();
    }

    private static ReconciliationLine tokensLine(Reconciliation r) {
        return r.lines().stream()
                .filter(l -> l.source() == BillSource.AWS && "tokens".equals(l.item()))
                .findFirst()
                .orElseThrow();
    }

    /**
     * A stream cut after the gateway counted 50k input and 8k output tokens; AWS billed 50k and 5k for it (it stopped
     * generating at the cut). Before, the gateway's extra 3k output tokens made the line unexplained ("the gateway
     * metered tokens the provider did not bill"); now the gap is the estimate the bill settles, and the CSV and the
     * FOCUS provider-bill rows carry it under that class.
     */
    @Test
    void cutStreamCountedMoreThanBilled_isAnEstimateSettledByTheBill() throws Exception {
        TokenUsage reported = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        TokenUsage counted = new TokenUsage(50_000, 0, 0, 0, 8_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record("settled", "bedrock", MODEL, reported, PRICE.cost(reported)));
        metered.add(estimated("cut", counted, PRICE.cost(counted), false));
        ProviderBill bill = awsBill(150_000, 15_000);

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(bill));

        ReconciliationLine line = tokensLine(r);
        BigDecimal gap = perToken(0, 3_000).negate();
        assertThat(line.explanation()).isEqualTo(Explanation.ESTIMATE_SETTLED_BY_BILL);
        assertThat(line.estimateSettledUsd()).isEqualByComparingTo(gap);
        assertThat(line.unexplainedUsd()).isZero();
        assertThat(line.notSeenUsd()).isZero();
        assertThat(line.priceDriftUsd()).isZero();
        assertThat(line.dataQuality()).contains("on tokens the gateway counted itself (1 stream cut");
        assertThat(r.totals().get(BillSource.AWS).estimateSettledUsd()).isEqualByComparingTo(gap);

        String csv = ReconciliationCsv.write(r, Map.of());
        List<String> rows = csv.lines().toList();
        assertThat(rows.get(0)).endsWith(",unexplained_abs_usd,estimate_settled_usd");
        assertThat(rows.get(1)).contains(",estimate_settled_by_bill,").endsWith("," + ReconciliationCsv.plain(gap));

        List<FocusCharge> billRows = ProviderBillRows.focusCharges(r);
        assertThat(billRows).singleElement().satisfies(c -> {
            assertThat(c.tags()).containsEntry(ProviderBillRows.CLASS_TAG, "estimate_settled_by_bill");
            assertThat(c.billedCost()).isEqualByComparingTo(gap);
        });
        assertThat(metered.totalCostUsd().add(billRows.get(0).billedCost()))
                .as("metered + provider-bill rows = what AWS billed")
                .isEqualByComparingTo(line.billedUsd());
    }

    /**
     * A call that never settled was charged its $0.10 worst case; AWS billed the day's tokens, which are far more
     * than that call can have cost: a raw-key team's traffic. The worst case settles at most what was reserved; the
     * rest is still not seen by the gateway.
     */
    @Test
    void billedBeyondWhatTheWorstCaseCanCover_restIsStillNotSeen() throws Exception {
        TokenUsage reported = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record("settled", "bedrock", MODEL, reported, PRICE.cost(reported)));
        metered.add(estimated("unsettled", TokenUsage.ZERO, new BigDecimal("0.10"), true));
        ProviderBill bill = awsBill(1_100_000, 110_000);

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(bill));

        ReconciliationLine line = tokensLine(r);
        BigDecimal beyond = perToken(1_000_000, 100_000);
        assertThat(line.estimateSettledUsd())
                .as("the worst case covers what it reserved")
                .isZero();
        assertThat(line.notSeenUsd()).isEqualByComparingTo(beyond.subtract(new BigDecimal("0.10")));
        assertThat(line.explanation()).isEqualTo(Explanation.NOT_SEEN_BY_GATEWAY);
        assertThat(line.notSeenUsd().add(line.estimateSettledUsd()).add(line.roundingUsd()))
                .isEqualByComparingTo(line.differenceUsd());
    }
}
