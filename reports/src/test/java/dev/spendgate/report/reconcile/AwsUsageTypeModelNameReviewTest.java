package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.Rates;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWS writes the model into a Bedrock CUR usage type as {@code <region>-<Vendor><version><Model>-<token type>}: AWS's
 * own example in "Introducing granular cost attribution for Amazon Bedrock" (AWS Machine Learning Blog, 2026) lists
 * {@code USE1-Claude4.6Sonnet-input-tokens}, {@code USE1-Claude4.6Sonnet-output-tokens} and
 * {@code USE1-Claude4.6Opus-input-tokens}. The gateway meters the same calls as {@code anthropic.claude-sonnet-4-6}
 * (the bundled catalog's Bedrock id). Billed and metered the same tokens at the same prices, the day must reconcile as
 * one {@code matched} line (README "Reconciliation with provider bills": compared "per UTC day, provider and model").
 * Today the squashed keys differ ({@code claude46sonnet} vs {@code claudesonnet46}): the whole bill is reported on a
 * line of its own and the gateway's metering on another, the provider shows 100 % unexplained and its alarm fires,
 * and the FOCUS file gets an equal positive and negative {@code provider_bill} row pair.
 */
class AwsUsageTypeModelNameReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_curUsageTypeVersionBeforeModelName_matchedWithTheGatewaysCalls() throws Exception {
        String model = "anthropic.claude-sonnet-4-6";
        Rates rates =
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().standardRates();
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        BigDecimal inputUsd =
                rates.input().multiply(BigDecimal.valueOf(200_000)).movePointLeft(6);
        BigDecimal outputUsd =
                rates.output().multiply(BigDecimal.valueOf(20_000)).movePointLeft(6);
        String header = "identity_line_item_id,identity_time_interval,line_item_line_item_type,"
                + "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
                + "line_item_usage_amount,line_item_unblended_cost,line_item_currency_code\n";
        String day = "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z,Usage,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                + "AmazonBedrock,";
        Path cur = Files.writeString(
                dir.resolve("cur.csv"),
                header
                        + "l1," + day + "USE1-Claude4.6Sonnet-input-tokens,200000," + inputUsd.toPlainString()
                        + ",USD\n"
                        + "l2," + day + "USE1-Claude4.6Sonnet-output-tokens,20000," + outputUsd.toPlainString()
                        + ",USD\n");
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
                .reconcile(metered, BillImportTest.NOV1, List.of(AwsBill.read(List.of(cur))));

        assertThat(r.lines()).singleElement().satisfies(l -> {
            assertThat(l.model()).isEqualTo(model);
            assertThat(l.billedUsd()).isEqualByComparingTo(inputUsd.add(outputUsd));
            assertThat(l.meteredUsd()).isEqualByComparingTo(inputUsd.add(outputUsd));
            assertThat(l.explanation()).isEqualTo(Explanation.MATCHED);
        });
        assertThat(r.totals().get(BillSource.AWS).unexplainedAbsUsd()).isEqualByComparingTo("0");
        assertThat(r.alarms()).isEmpty();
        assertThat(r.lines()).extracting(ReconciliationLine::explanation).doesNotContain(Explanation.UNEXPLAINED);
    }
}
