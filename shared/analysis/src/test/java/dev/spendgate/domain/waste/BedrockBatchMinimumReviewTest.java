package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Amazon Bedrock's batch inference takes a job of at least the quota "Minimum number of records per batch inference
 * job" for its model, 100 by default (docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-data.html and the
 * Bedrock quotas table): CreateModelInvocationJob refuses fewer. A nightly run of 40 Bedrock calls cannot go through the
 * Batch API as it is, so advising it to, with half its cost as savings, shows finance money it cannot recover.
 */
class BedrockBatchMinimumReviewTest {

    @Test
    @Disabled("DEFECT R28B-4: batch_tier advises Bedrock Batch, at 50 % savings, for a 40-call job Bedrock refuses")
    void finish_bedrockJobBelowBatchInferencesMinimumRecords_isNotAdvisedTheBatchApi() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(2_000, 0, 0, 0, 300, 0);
        Attribution run = new Attribution("tagging", "data", null, "production", null, null, "nightly-2026-10-02");
        for (int i = 0; i < 40; i++) {
            records.add(WastePrecisionReviewTest.record(
                            "bedrock",
                            "anthropic.claude-haiku-4-5-20251001-v1:0",
                            "bedrock.invoke",
                            "tagging",
                            null,
                            "key_1",
                            i * 30L,
                            tokens,
                            null)
                    .attribution(run)
                    .fingerprints(
                            new UsageRecord.Fingerprints(null, null, WastePrecisionReviewTest.hash(900 + i), null))
                    .build());
        }

        WasteReport report = WastePrecisionReviewTest.run(records);

        assertThat(report.findings())
                .as("40 records: below the 100 a Bedrock batch inference job needs")
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .isEmpty();
    }
}
