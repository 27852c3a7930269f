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
 * README "Batch APIs": each result line is read on its own, "a line with a negative count ... is recorded as a live
 * call would be, usage_source: estimated ... with its output counted from the answer's text"; README "Pricing": "Zero
 * is zero, unknown is unknown". A succeeded line whose counts are JSON {@code null} (unknown) was billed at the batch
 * rate for what it served; it must be estimated like a line with a negative count, not recorded as provider usage of
 * 0 tokens at $0.
 */
class BatchNullUsageCountsReviewTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());
    private static final BatchResultRecords.TextTokens WORDS = (model, text) -> text.split(" ").length;

    private static BatchResultRecords.Batch batch(String provider) {
        return new BatchResultRecords.Batch(
                "batch_null",
                provider,
                "key_1",
                new Attribution("nightly-eval", "research", null, "prod", null, null, null),
                Instant.parse("2026-11-20T01:00:00Z"),
                Instant.parse("2026-11-20T03:00:00Z"),
                "2026-12-03");
    }

    @Test
    void openAiBatchLine_withNullCounts_isEstimatedNotZero() {
        String jsonl = """
                {"id":"r1","custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"a billed answer of several words"},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":null,"completion_tokens":null,\
                "total_tokens":null}}},"error":null}
                """;

        List<UsageRecord> records =
                BatchResultRecords.openAi(jsonl.getBytes(StandardCharsets.UTF_8), batch("openai"), PRICER, WORDS);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).usageSource())
                .as("recorded at $%s", records.get(0).costUsd())
                .isEqualTo(UsageRecord.UsageSource.ESTIMATED);
    }

    @Test
    void anthropicBatchResult_withNullCounts_isEstimatedNotZero() {
        String jsonl = """
                {"custom_id":"q-1","result":{"type":"succeeded","message":{"id":"msg_1","type":"message",\
                "role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text",\
                "text":"a billed answer of several words"}],"stop_reason":"end_turn",\
                "usage":{"input_tokens":null,"output_tokens":null}}}}
                """;

        List<UsageRecord> records =
                BatchResultRecords.anthropic(jsonl.getBytes(StandardCharsets.UTF_8), batch("anthropic"), PRICER, WORDS);

        assertThat(records).hasSize(1);
        assertThat(records.get(0).usageSource())
                .as("recorded at $%s", records.get(0).costUsd())
                .isEqualTo(UsageRecord.UsageSource.ESTIMATED);
    }
}
