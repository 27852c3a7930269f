package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Amazon Bedrock's batch inference takes a job of at least the quota "Minimum number of records per batch inference
 * job" for its model, 100 by default (docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-data.html and the
 * Bedrock quotas table): CreateModelInvocationJob refuses fewer. A nightly run of 40 Bedrock calls cannot go through the
 * Batch API as it is, so advising it to, with half its cost as savings, shows finance money it cannot recover.
 */
class BedrockBatchMinimumReviewTest {

    @Test
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

    @Test
    void finish_bedrockJobOfTheMinimumRecordsOnOneModel_isAdvisedTheBatchApiForThatModel() {
        // 100 calls on Claude Haiku 4.5 make one batch inference job; the same run's 30 on Nova Lite do not
        List<UsageRecord> records = new ArrayList<>();
        records.addAll(calls("anthropic.claude-haiku-4-5-20251001-v1:0", 100, 0));
        records.addAll(calls("amazon.nova-lite-v1:0", 30, 100));

        WasteReport report = WastePrecisionReviewTest.run(records);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.BATCH_TIER)
                .singleElement()
                .satisfies(f -> assertThat(f.evidence().details())
                        .containsEntry("model", "anthropic.claude-haiku-4-5-20251001-v1:0")
                        .containsEntry("eligible_calls", "100"));
    }

    /** {@code n} calls of one nightly run on a Bedrock model, the first at {@code first} x 30 s. */
    private static List<UsageRecord> calls(String model, int n, int first) {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(2_000, 0, 0, 0, 300, 0);
        Attribution run = new Attribution("tagging", "data", null, "production", null, null, "nightly-2026-10-02");
        for (int i = first; i < first + n; i++) {
            records.add(WastePrecisionReviewTest.record(
                            "bedrock", model, "bedrock.invoke", "tagging", null, "key_1", i * 30L, tokens, null)
                    .attribution(run)
                    .fingerprints(
                            new UsageRecord.Fingerprints(null, null, WastePrecisionReviewTest.hash(900 + i), null))
                    .build());
        }
        return records;
    }
}
