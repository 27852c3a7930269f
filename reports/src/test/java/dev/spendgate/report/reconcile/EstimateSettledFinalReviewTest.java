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
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Final review of session 27: estimates settled by the bill, as a user upgrading meets them. */
class EstimateSettledFinalReviewTest {
    @TempDir
    Path dir;

    /**
     * A stream cut after Anthropic's web search ran: the gateway counted its tokens and its 20 searches ($0.20, on
     * Anthropic's own tool-calls line), and the bill has exactly those tokens and that fee. The previous version
     * matched both lines. The token line's metered cost leaves the searches' fee out (it is compared on the tool-calls
     * line), but the settled estimate subtracts the whole charged cost, fee included: the line shows -0.20 "settled by
     * the bill" and +0.20 price drift (two provider_bill rows, a PDF line) where nothing differs.
     */
    @Test
    void cutStreamWithWebSearches_billedExactly_tokenLineStillMatched() throws Exception {
        MonthlyUsage metered = SimulatedMonth.usage();
        MonthlyUsage searched = MonthlyUsage.of(metered.month());
        LocalDate d = metered.month().atDay(12);
        Instant t = d.atTime(10, 0).toInstant(ZoneOffset.UTC);
        TokenUsage tokens = TokenUsage.anthropic(100_000, 0, 0, 0, 10_000).withWebSearches(20);
        BigDecimal cost = SimulatedMonth.CATALOG
                .find("anthropic", "claude-sonnet-4-5")
                .orElseThrow()
                .cost(tokens);
        assertThat(cost).isEqualByComparingTo("0.65");
        searched.add(UsageRecord.builder()
                .requestId("req-cut")
                .tsStart(t)
                .tsEnd(t.plusSeconds(9))
                .keyId("key_1")
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-sonnet-4-5")
                .modelServed("claude-sonnet-4-5-20250929")
                .stream(true)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED) // the stream was cut before its usage event
                .build());
        ProviderFiles f = ProviderFiles.of(searched, SimulatedMonth.CATALOG);
        f.extras.add(new ProviderFiles.Extra(d, "anthropic", "Web Search", new BigDecimal("0.20"), null, "web_search"));

        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
        Reconciliation r = Reconciler.create(SimulatedMonth.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(searched, null, bills);

        ReconciliationLine tokensLine = r.lines().stream()
                .filter(l -> l.source() == BillSource.ANTHROPIC && "tokens".equals(l.item()))
                .findFirst()
                .orElseThrow();
        assertThat(tokensLine.differenceUsd())
                .as("billed = metered on the token line")
                .isZero();
        assertThat(tokensLine.estimateSettledUsd())
                .as("the bill has the tokens the gateway counted: nothing to settle")
                .isZero();
        assertThat(tokensLine.priceDriftUsd()).isZero();
        assertThat(tokensLine.explanation()).isEqualTo(Explanation.MATCHED);
        assertThat(ProviderBillRows.focusCharges(r))
                .as("no provider_bill rows where the bill equals the metering")
                .isEmpty();
    }

    private static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final ModelPrice PRICE =
            BillImportTest.CATALOG.find("bedrock", MODEL).orElseThrow();

    private static BigDecimal perToken(long input, long output) {
        return PRICE.standardRates()
                .input()
                .multiply(BigDecimal.valueOf(input))
                .add(PRICE.standardRates().output().multiply(BigDecimal.valueOf(output)))
                .movePointLeft(6);
    }

    /**
     * The previous version's README promised a script reading reconciliation.csv (schema 1): on a line, difference =
     * not seen + price drift + never metered + rounding + unexplained exactly. A line with a cut stream the bill settles
     * puts part of its difference in the new last column, {@code estimate_settled_usd}: that changes the identity, so
     * the file says schema 2, and the six parts sum to the difference.
     */
    @Test
    void reconciliationCsv_partsSumToTheDifference_underTheSchemaTheFileNames() throws Exception {
        TokenUsage reported = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        TokenUsage counted = new TokenUsage(50_000, 0, 0, 0, 8_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record("settled", "bedrock", MODEL, reported, PRICE.cost(reported)));
        Instant t = Instant.parse("2026-11-01T11:00:00Z");
        metered.add(UsageRecord.builder()
                .requestId("cut")
                .tsStart(t)
                .tsEnd(t.plusSeconds(5))
                .keyId("k")
                .provider("bedrock")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(counted)
                .costUsd(PRICE.cost(counted))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .build());
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        Path export = Files.writeString(
                dir.resolve("focus-2026-11.csv"),
                "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                        + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,"
                        + "ConsumedUnit,ServiceName,ResourceId,Tags,x_UsageType\n"
                        + perToken(150_000, 0).toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + 150_000 + ",Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                        + perToken(0, 15_000).toPlainString() + "," + nov
                        + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                        + 15_000 + ",Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n");
        ProviderBill bill = AwsBill.read(List.of(export));

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(bill));
        String csv = ReconciliationCsv.write(r, Map.of());

        List<CSVRecord> rows = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .build()
                .parse(new StringReader(csv))
                .getRecords();
        CSVRecord line = rows.stream()
                .filter(row -> "line".equals(row.get("row_type")) && "tokens".equals(row.get("item")))
                .findFirst()
                .orElseThrow();
        assertThat(line.get("schema_version"))
                .as("schema 1's identity no longer holds: the file says so")
                .isEqualTo("2");
        BigDecimal difference = new BigDecimal(line.get("difference_usd"));
        assertThat(difference.signum()).as("the bill is below the metering").isNegative();
        BigDecimal parts = new BigDecimal(line.get("not_seen_usd"))
                .add(new BigDecimal(line.get("price_drift_usd")))
                .add(new BigDecimal(line.get("never_metered_usd")))
                .add(new BigDecimal(line.get("rounding_usd")))
                .add(new BigDecimal(line.get("unexplained_usd")))
                .add(new BigDecimal(line.get("estimate_settled_usd")));
        assertThat(new BigDecimal(line.get("estimate_settled_usd")).signum())
                .as("the cut stream's gap is the estimate's")
                .isNegative();
        assertThat(parts)
                .as("schema 2: difference = not seen + price drift + never metered + rounding + unexplained"
                        + " + estimate settled")
                .isEqualByComparingTo(difference);
    }
}
