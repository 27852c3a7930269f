package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenAI has answered calls with {@code "completion_tokens": -35} (README "Usage record", {@code usage_source}); a
 * live call with such a count is recorded with the counts that are counts. One such line in a batch's output must
 * not cost the records of every other line: the batch's results are recorded (and charged) from this list, and a
 * failure here is retried on the next fetch, which reads the same line and fails the same way.
 */
class BatchResultBadCountTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());

    @Test
    void openAiBatch_oneLineWithANegativeCount_stillRecordsEveryLine() {
        String jsonl = """
                {"id":"r1","custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "usage":{"prompt_tokens":10000,"completion_tokens":1000}}},"error":null}
                {"id":"r2","custom_id":"q-2","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "usage":{"prompt_tokens":4000,"completion_tokens":-35,\
                "completion_tokens_details":{"reasoning_tokens":0}}}},"error":null}
                """;
        BatchResultRecords.Batch batch = new BatchResultRecords.Batch(
                "batch_neg",
                "openai",
                "key_1",
                new Attribution("nightly-eval", "research", null, "prod", null, null, null),
                Instant.parse("2026-11-20T01:00:00Z"),
                Instant.parse("2026-11-20T03:00:00Z"),
                "2026-12-03");

        List<UsageRecord> records = BatchResultRecords.openAi(jsonl.getBytes(StandardCharsets.UTF_8), batch, PRICER);

        assertThat(records).extracting(UsageRecord::requestId).containsExactly("batch_neg/q-1", "batch_neg/q-2");
        // gpt-5-mini Batch (platform.openai.com/docs/pricing): 10,000 x 0.125 + 1,000 x 1.00 per 1M
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.00225");
    }
}
