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
 * Batch lines whose counts are unknown (null, absent) are no counts (R24A-1), while an embedding list, which has no
 * completion count at all, is still the provider's usage.
 */
class BatchUsageCountShapesTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());

    private static List<UsageRecord> openAi(String jsonl) {
        return BatchResultRecords.openAi(
                jsonl.getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "batch_shapes",
                        "openai",
                        "key_1",
                        new Attribution("nightly-eval", "research", null, "prod", null, null, null),
                        Instant.parse("2026-11-20T01:00:00Z"),
                        Instant.parse("2026-11-20T03:00:00Z"),
                        "2026-12-03"),
                PRICER);
    }

    @Test
    void embeddingLine_withoutCompletionCount_isTheProvidersUsage() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"e-1","response":{"status_code":200,"body":{"object":"list",\
                "model":"text-embedding-3-small","data":[],"usage":{"prompt_tokens":1000000,\
                "total_tokens":1000000}}},"error":null}
                """);

        assertThat(records.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        // text-embedding-3-small Batch: $0.01 per 1M tokens (platform.openai.com/docs/pricing)
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.01");
    }

    @Test
    void chatLine_withNullPromptCount_isUnpricedNotZero() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "choices":[],"usage":{"prompt_tokens":null,"completion_tokens":12}}},"error":null}
                """);

        assertThat(records.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(records.get(0).pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
        assertThat(records.get(0).costUsd()).isNull();
        assertThat(records.get(0).errorType()).isEqualTo("usage_missing");
    }

    /** R24A-2: a Responses line whose image_generation tool made an image is not priced at its tokens alone. */
    @Test
    void responsesLine_withAnImageGenerationCall_isUnpriced() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"i-1","response":{"status_code":200,"body":{"object":"response",\
                "model":"gpt-5","output":[{"type":"image_generation_call","id":"ig_1","status":"completed"}],\
                "usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}},"error":null}
                """);

        assertThat(records.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        assertThat(records.get(0).pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
        assertThat(records.get(0).costUsd()).isNull();
    }

    /** R26F-2: a Responses line whose file_search tool ran is not priced at its tokens alone. */
    @Test
    void responsesLine_withAFileSearchCall_isUnpriced() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"f-1","response":{"status_code":200,"body":{"object":"response",\
                "model":"gpt-5","output":[{"type":"file_search_call","id":"fs_1","status":"completed"}],\
                "usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}},"error":null}
                """);

        assertThat(records.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        assertThat(records.get(0).pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
        assertThat(records.get(0).costUsd()).isNull();
    }

    /** R26F-3: a Responses line whose code_interpreter tool ran code in a container is not priced at its tokens. */
    @Test
    void responsesLine_withACodeInterpreterCall_isUnpriced() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"c-1","response":{"status_code":200,"body":{"object":"response",\
                "model":"gpt-5","output":[{"type":"code_interpreter_call","id":"ci_1","status":"completed",\
                "container_id":"cntr_1"}],"usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}},\
                "error":null}
                """);

        assertThat(records.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        assertThat(records.get(0).pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
        assertThat(records.get(0).costUsd()).isNull();
    }

    /** R26F-5: a Responses line's page actions are not billed as searches; gpt-5 $0.000625 + $0.005 + 1 x $0.01. */
    @Test
    void responsesLine_billsSearchActionsNotPageActions() {
        List<UsageRecord> records = openAi("""
                {"id":"r1","custom_id":"w-1","response":{"status_code":200,"body":{"object":"response",\
                "model":"gpt-5","output":[{"type":"web_search_call","id":"ws_1","action":{"type":"search"}},\
                {"type":"web_search_call","id":"ws_2","action":{"type":"open_page","url":"https://example.eu"}},\
                {"type":"web_search_call","id":"ws_3","action":{"type":"find_in_page","pattern":"risk"}}],\
                "usage":{"input_tokens":1000,"output_tokens":1000,"total_tokens":2000}}},"error":null}
                """);

        assertThat(records.get(0).tokens().webSearches()).isEqualTo(1);
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.015625");
    }
}
