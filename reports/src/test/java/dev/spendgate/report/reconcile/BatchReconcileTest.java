package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.BatchResultRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Message Batch run through the gateway (its results recorded at the batch tier) against Anthropic's cost and usage
 * reports for the day, as imported and as stored for the monthly report.
 */
class BatchReconcileTest {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    static final LocalDate NOV1 = LocalDate.of(2026, 11, 1);

    @TempDir
    Path dir;

    /**
     * claude-sonnet-4-5 at the batch tier ($1.50 / $7.50 per 1M, docs.anthropic.com pricing): 100,000 input and 10,000
     * output tokens are $0.15 + $0.075, billed as 15 and 7.5 cents on "Batch Usage" lines with service_tier batch.
     */
    @Test
    void anthropicBatchMeteredByTheGateway_matchedOnItsBatchLineAlsoOnceStored() throws Exception {
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        BatchResultRecords.anthropic(
                        ("{\"custom_id\":\"doc-1\",\"result\":{\"type\":\"succeeded\",\"message\":{\"model\":"
                                        + "\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":100000,"
                                        + "\"output_tokens\":10000}}}}\n")
                                .getBytes(StandardCharsets.UTF_8),
                        new BatchResultRecords.Batch(
                                "msgbatch_1",
                                "anthropic",
                                "key_1",
                                new Attribution("summaries", null, null, "prod", null, null, null),
                                Instant.parse("2026-11-01T01:00:00Z"),
                                Instant.parse("2026-11-01T03:00:00Z"),
                                CATALOG.version()),
                        CallPricer.create(CATALOG))
                .forEach(metered::add);
        Path cost = Files.writeString(dir.resolve("cost.json"), """
                {"data":[{"starting_at":"2026-11-01T00:00:00Z","ending_at":"2026-11-02T00:00:00Z","results":[
                {"currency":"USD","amount":"15","workspace_id":"wrkspc_gateway",
                 "description":"Claude Sonnet 4.5 Batch Usage - Input Tokens","cost_type":"tokens",
                 "context_window":"0-200k","model":"claude-sonnet-4-5-20250929","service_tier":"batch",
                 "token_type":"uncached_input_tokens"},
                {"currency":"USD","amount":"7.5","workspace_id":"wrkspc_gateway",
                 "description":"Claude Sonnet 4.5 Batch Usage - Output Tokens","cost_type":"tokens",
                 "context_window":"0-200k","model":"claude-sonnet-4-5-20250929","service_tier":"batch",
                 "token_type":"output_tokens"}]}],"has_more":false,"next_page":null}
                """);
        Path usage = Files.writeString(dir.resolve("usage.json"), """
                {"data":[{"starting_at":"2026-11-01T00:00:00Z","ending_at":"2026-11-02T00:00:00Z","results":[
                {"uncached_input_tokens":100000,"cache_creation":{"ephemeral_1h_input_tokens":0,
                 "ephemeral_5m_input_tokens":0},"cache_read_input_tokens":0,"output_tokens":10000,
                 "api_key_id":"apikey_gateway","workspace_id":"wrkspc_gateway",
                 "model":"claude-sonnet-4-5-20250929","service_tier":"batch","context_window":"0-200k"}]}],
                 "has_more":false,"next_page":null}
                """);
        ProviderBill bill = AnthropicBill.read(List.of(cost, usage));
        ProviderBill stored = StoredBills.decode(
                "stored",
                StoredBills.encode(YearMonth.of(2026, 11), NOV1, Instant.parse("2026-11-02T05:00:00Z"), bill));

        for (ProviderBill b : List.of(bill, stored)) {
            Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                    .reconcile(metered, NOV1, List.of(b));
            Reconciliation.Totals t = r.totals().get(BillSource.ANTHROPIC);
            assertThat(t.billedUsd()).isEqualByComparingTo("0.225");
            assertThat(t.meteredUsd()).isEqualByComparingTo("0.225");
            assertThat(t.neverMeteredUsd()).isEqualByComparingTo("0");
            assertThat(t.unexplainedAbsUsd()).isEqualByComparingTo("0");
            assertThat(r.lines()).singleElement().satisfies(l -> {
                assertThat(l.item()).isEqualTo("batch");
                assertThat(l.explanation()).isEqualTo(Explanation.MATCHED);
            });
        }
    }
}
