package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finance gets an AWS export that stops on 1 November (the rest of the month not yet delivered, or a chunk left
 * out), while the gateway metered Bedrock calls on 1 and 25 November. The reconciliation leaves 25 November out of the
 * difference (no_provider_data) and says so in a warning, but the board's page-1 status line, the one sentence per
 * provider the CFO reads, says "aws: $0.99 billed, matched within 0.0 % (through 2026-11-30)": a match through the
 * month's end, although 29 of its 30 days, and $0.99 of the $1.98 metered, were never compared.
 */
class MissingDaysStatusReviewTest {
    static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    @TempDir
    Path dir;

    static UsageRecord call(String id, Instant t, TokenUsage tokens, BigDecimal cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .provider("bedrock")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    @Test
    void status_billMissingMostOfTheMonth_doesNotClaimAMatchThroughTheMonthsEnd() throws Exception {
        ModelPrice sonnet = BillImportTest.CATALOG.find("bedrock", MODEL).orElseThrow();
        TokenUsage tokens = new TokenUsage(200_000, 0, 0, 0, 20_000, 0);
        BigDecimal in = sonnet.cost(new TokenUsage(200_000, 0, 0, 0, 0, 0));
        BigDecimal out = sonnet.cost(new TokenUsage(0, 0, 0, 0, 20_000, 0));
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        Path export = Files.writeString(
                dir.resolve("focus-2026-11.csv"),
                "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                        + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,"
                        + "ConsumedUnit,ServiceName,ResourceId,Tags,x_UsageType\n"
                        + in.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "200000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                        + out.toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + "20000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n");
        ProviderBill bill = AwsBill.read(List.of(export));
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(call("nov1", Instant.parse("2026-11-01T10:00:00Z"), tokens, sonnet.cost(tokens)));
        metered.add(call("nov25", Instant.parse("2026-11-25T10:00:00Z"), tokens, sonnet.cost(tokens)));

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, LocalDate.of(2026, 11, 30), List.of(bill));
        assertThat(r.warnings()).as("the reconciliation itself knows").anySatisfy(w -> assertThat(w)
                .contains("no day 2026-11-02..2026-11-30"));

        String aws = ProviderBillRows.status(r).stream()
                .filter(s -> s.startsWith("aws:"))
                .findFirst()
                .orElseThrow();
        assertThat(aws)
                .as("the board's status line says the bill covered only part of the month")
                .satisfiesAnyOf(
                        s -> assertThat(s).contains("2026-11-02"),
                        s -> assertThat(s).containsIgnoringCase("no provider data"),
                        s -> assertThat(s).doesNotContain("through 2026-11-30"));
        assertThat(aws)
                .isEqualTo("aws: $0.99 billed, matched within 0.0 % (through 2026-11-30); no provider data for"
                        + " 2026-11-02..2026-11-30: $0.99 metered on those days not compared");
    }
}
