package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batch results are priced with every token class the live path prices: cache writes and the data region. */
class BatchResultPricingTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());

    private static BatchResultRecords.Batch batch(String id, String provider) {
        return new BatchResultRecords.Batch(
                id,
                provider,
                "key_1",
                new Attribution("nightly-eval", "research", null, "prod", null, null, null),
                Instant.parse("2026-11-20T01:00:00Z"),
                Instant.parse("2026-11-20T03:00:00Z"),
                "2026-12-03");
    }

    @Test
    void openAi_cacheWriteTokens_areBilledAtTheBatchCacheWriteRate() {
        String jsonl = """
                {"id":"r1","custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5.6-terra",\
                "usage":{"prompt_tokens":100000,"prompt_tokens_details":{"cached_tokens":0,\
                "cache_write_tokens":80000},"completion_tokens":1000}}},"error":null}
                """;

        List<UsageRecord> records =
                BatchResultRecords.openAi(jsonl.getBytes(StandardCharsets.UTF_8), batch("batch_w", "openai"), PRICER);

        // gpt-5.6-terra Batch from 2026-07-30: 20,000 x 1.00 + 80,000 x 1.25 (cache write) + 1,000 x 6.00
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.126");
    }

    @Test
    void anthropic_usOnlyInference_isBilledWithTheRegionMultiplier() {
        String jsonl = """
                {"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-opus-4-7",\
                "usage":{"input_tokens":10000,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,\
                "output_tokens":1000,"service_tier":"batch","inference_geo":"us"}}}}
                """;

        List<UsageRecord> records = BatchResultRecords.anthropic(
                jsonl.getBytes(StandardCharsets.UTF_8), batch("msgbatch_us", "anthropic"), PRICER);

        // Opus 4.7 Batch: (10,000 x 2.50 + 1,000 x 12.50) x 1.1 (inference_geo us)
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.04125");
    }
}
