package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.BatchResultRecords;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job that already goes through the provider's Batch API (the gateway records its results at the batch tier). */
class BatchResultsFindingTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    @Test
    void finish_resultsOfABatchTheGatewayRecorded_areNotAdvisedToMoveToTheBatchApi() {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            jsonl.append("{\"custom_id\":\"row-")
                    .append(i)
                    .append("\",\"response\":{\"status_code\":200,\"body\":{\"model\":\"gpt-4.1-mini\",\"usage\":")
                    .append("{\"prompt_tokens\":900,\"completion_tokens\":120}}}}\n");
        }
        List<UsageRecord> results = BatchResultRecords.openAi(
                jsonl.toString().getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "batch_nightly",
                        "openai",
                        "key_1",
                        new Attribution("backfill", "data", null, "production", null, null, "nightly-2026-10-05"),
                        Instant.parse("2026-10-05T01:00:00Z"),
                        Instant.parse("2026-10-05T03:00:00Z"),
                        CATALOG.version()),
                CallPricer.create(CATALOG));
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        results.forEach(pass::accept);

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 30, 0, 0, 0, List.of()));

        assertThat(results).allSatisfy(r -> assertThat(r.billing().batchId()).isEqualTo("batch_nightly"));
        // already billed at half price: moving them to the Batch API saves nothing
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .isEmpty();
    }
}
