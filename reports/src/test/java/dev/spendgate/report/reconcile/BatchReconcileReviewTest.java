package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.BatchResultRecords;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: a batch run through the gateway's batch API (README "Batch APIs": its results are recorded, priced at the
 * batch tier) reconciled against OpenAI's own data for the same day. The gateway metered exactly what OpenAI billed.
 */
class BatchReconcileReviewTest {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();

    @TempDir
    Path dir;

    /**
     * One gpt-4o batch request of 800,000 input and 100,000 output tokens on 2026-11-01: OpenAI bills it at the batch
     * rates ($1.25 / $5.00 per 1M, openai.com/api/pricing) as "gpt-4o-2024-08-06, batch input" $1.00 and "..., batch
     * output" $0.50, and its usage API reports the tokens with {@code batch: true}. The gateway recorded the result at
     * the same $1.50. Billed equals metered: nothing is unexplained, nothing is "never metered", no alarm fires, and
     * the FOCUS file needs no {@code provider_bill} adjustment.
     */
    @Test
    void batchMeteredByTheGateway_matchesTheBillsBatchLines() throws Exception {
        String output = "{\"id\":\"batch_req_1\",\"custom_id\":\"t-1\",\"response\":{\"status_code\":200,"
                + "\"request_id\":\"req_1\",\"body\":{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
                + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":800000,"
                + "\"completion_tokens\":100000,\"total_tokens\":900000,\"prompt_tokens_details\":"
                + "{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}},\"error\":null}\n";
        List<UsageRecord> records = BatchResultRecords.openAi(
                output.getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "batch_abc",
                        "openai",
                        "key_1",
                        new Attribution("etl", null, null, "prod", null, null, null),
                        Instant.parse("2026-11-01T02:00:00Z"),
                        Instant.parse("2026-11-01T06:00:00Z"),
                        CATALOG.version()),
                CallPricer.create(CATALOG));
        assertThat(records).singleElement().satisfies(r -> assertThat(r.costUsd())
                .isEqualByComparingTo("1.50"));
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        records.forEach(metered::add);

        // 1793491200 = 2026-11-01T00:00:00Z
        Path costs = Files.writeString(dir.resolve("openai-costs.json"), """
                {"object":"page","data":[{"object":"bucket","start_time":1793491200,"end_time":1793577600,
                "results":[
                {"object":"organization.costs.result","amount":{"value":1.0,"currency":"usd"},
                 "line_item":"gpt-4o-2024-08-06, batch input","project_id":"proj_gateway"},
                {"object":"organization.costs.result","amount":{"value":0.5,"currency":"usd"},
                 "line_item":"gpt-4o-2024-08-06, batch output","project_id":"proj_gateway"}]}],
                "has_more":false,"next_page":null}
                """);
        Path usage = Files.writeString(dir.resolve("openai-usage.json"), """
                {"object":"page","data":[{"object":"bucket","start_time":1793491200,"end_time":1793577600,
                "results":[
                {"object":"organization.usage.completions.result","input_tokens":800000,"output_tokens":100000,
                 "input_cached_tokens":0,"num_model_requests":1,"project_id":"proj_gateway","user_id":null,
                 "api_key_id":"key_gateway","model":"gpt-4o-2024-08-06","batch":true}]}],
                "has_more":false,"next_page":null}
                """);

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered, java.time.LocalDate.of(2026, 11, 1), List.of(OpenAiBill.read(List.of(costs, usage))));

        Reconciliation.Totals t = r.totals().get(BillSource.OPENAI);
        assertThat(t.billedUsd()).isEqualByComparingTo("1.50");
        assertThat(t.meteredUsd()).isEqualByComparingTo("1.50");
        assertThat(t.unexplainedAbsUsd()).as("unexplained (absolute)").isEqualByComparingTo("0");
        assertThat(t.neverMeteredUsd())
                .as("never metered, although the gateway metered this batch")
                .isEqualByComparingTo("0");
        assertThat(r.alarms()).isEmpty();
        BigDecimal adjustments = ProviderBillRows.focusCharges(r).stream()
                .map(FocusCharge::billedCost)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(adjustments)
                .as("provider_bill FOCUS rows beyond the metering")
                .isEqualByComparingTo("0");
    }
}
