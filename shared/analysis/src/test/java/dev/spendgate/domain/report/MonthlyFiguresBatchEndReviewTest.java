package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.BatchResultRecords;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review: a nightly Message Batch submitted on a month's last evening and ended after midnight. README "Batch APIs",
 * Budgets: its results are added to the creator's budgets "in the period in which the batch ended" (here December;
 * {@code BatchLifecycleReviewIT} shows the gateway's November item at $0 and December's holding the cost). README
 * "Finance reports", Forecast and budgets: each monthly budget's actual is summed "as the gateway counts it". The
 * board report's budget table sums records by their {@code ts_start}: a batch's records dated at its creation put
 * in November's table spend the gateway counted in December, and December's report never showed it. Its records are
 * dated at its end, so each month's table agrees with the gateway.
 */
class MonthlyFiguresBatchEndReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final YearMonth NOV = YearMonth.of(2026, 11);
    private static final YearMonth DEC = YearMonth.of(2026, 12);
    private static final Attribution DATA_TEAM =
            new Attribution("nightly-tagging", null, "data", "prod", null, null, null);

    @Test
    void budgets_batchEndedInTheNextMonth_isNotNovemberSpend() {
        // one succeeded request on claude-sonnet-4-5 at batch rates ($1.50 / $7.50 per 1M): 100,000 in, 10,000 out =
        // $0.225, charged by the gateway to December's item (the batch ended 2026-12-01T01:10Z)
        String results = "{\"custom_id\":\"doc-1\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":100000,"
                + "\"output_tokens\":10000,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}}}\n";
        List<UsageRecord> batch = BatchResultRecords.anthropic(
                results.getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "msgbatch_nightly",
                        "anthropic",
                        "key_data",
                        DATA_TEAM,
                        Instant.parse("2026-11-30T23:30:00Z"),
                        Instant.parse("2026-12-01T01:10:00Z"),
                        CATALOG.version()),
                CallPricer.create(CATALOG));
        assertThat(batch).singleElement().satisfies(r -> assertThat(r.costUsd()).isEqualByComparingTo("0.225"));

        MonthlyUsage november = MonthlyUsage.of(NOV);
        // the report's readers take a month's records by their ts_start (Athena: substr(ts_start, 1, 7))
        batch.stream().filter(r -> in(NOV, r)).forEach(november::add);
        november.add(call("r-nov-20", "2026-11-20T12:00:00Z", "0.05"));
        BudgetPolicy budget = new BudgetPolicy(
                BudgetScope.parse("team:data"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("0.10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);

        MonthlyFigures f = MonthlyFigures.of(november, null, List.of(budget), null, List.of(), CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            // the gateway's item budget#team:data#monthly#2026-11 holds the November call alone: $0.05, under $0.10
            assertThat(line.spentUsd()).as("November actual").isEqualByComparingTo("0.05");
            assertThat(line.over()).as("November over its limit").isFalse();
        });

        // December's report counts the batch, as the gateway's item budget#team:data#monthly#2026-12 does
        MonthlyUsage december = MonthlyUsage.of(DEC);
        batch.stream().filter(r -> in(DEC, r)).forEach(december::add);
        MonthlyFigures d = MonthlyFigures.of(december, null, List.of(budget), null, List.of(), CATALOG);
        assertThat(d.budgets()).singleElement().satisfies(line -> {
            assertThat(line.spentUsd()).as("December actual").isEqualByComparingTo("0.225");
            assertThat(line.over()).as("December over its limit").isTrue();
        });
    }

    private static boolean in(YearMonth month, UsageRecord r) {
        return YearMonth.from(r.tsStart().atZone(ZoneOffset.UTC)).equals(month);
    }

    private static UsageRecord call(String id, String at, String cost) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("key_data")
                .attribution(DATA_TEAM)
                .provider("anthropic")
                .modelServed("claude-sonnet-4-5")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
