package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchResultRecordsTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());
    private static final Attribution CREATOR =
            new Attribution("nightly-eval", "research", null, "prod", null, null, null);

    private static BatchResultRecords.Batch batch(String id, String provider) {
        return new BatchResultRecords.Batch(
                id,
                provider,
                "key_1",
                CREATOR,
                Instant.parse("2026-11-20T01:00:00Z"),
                Instant.parse("2026-11-20T03:00:00Z"),
                "2026-12-03");
    }

    @Test
    void openAi_resultLines_areOneRecordEachAtBatchRatesWithTheCreatorsAttribution() {
        String jsonl = """
                {"id":"r1","custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5-mini-2025-08-07",\
                "usage":{"prompt_tokens":10000,"prompt_tokens_details":{"cached_tokens":2000},"completion_tokens":1000,\
                "completion_tokens_details":{"reasoning_tokens":600}}}},"error":null}
                {"id":"r2","custom_id":"q-2","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "usage":{"input_tokens":4000,"output_tokens":500}}},"error":null}
                {"id":"r3","custom_id":"q-3","response":null,"error":{"code":"batch_expired","message":"expired"}}
                """;

        List<UsageRecord> records =
                BatchResultRecords.openAi(jsonl.getBytes(StandardCharsets.UTF_8), batch("batch_abc", "openai"), PRICER);

        assertThat(records)
                .extracting(UsageRecord::requestId)
                .containsExactly("batch_abc/q-1", "batch_abc/q-2", "batch_abc/q-3");
        assertThat(records).allSatisfy(r -> {
            assertThat(r.billing().batchId()).isEqualTo("batch_abc");
            assertThat(r.billing().serviceTierServed()).isEqualTo("batch");
            assertThat(r.attribution().feature()).isEqualTo("nightly-eval");
        });
        // gpt-5-mini Batch (platform.openai.com/docs/pricing, 50 %): 8,000 x 0.125 + 2,000 x 0.0125 + 1,000 x 1.00
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.002025");
        // Responses usage shape: 4,000 x 0.125 + 500 x 1.00
        assertThat(records.get(1).costUsd()).isEqualByComparingTo("0.001");
        assertThat(records.get(2).pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(records.get(2).errorType()).isEqualTo("batch_batch_expired");
        // Encoded and read back, the new fields survive.
        UsageRecord back =
                UsageRecordCodec.read(new String(UsageRecordCodec.line(records.get(0)), StandardCharsets.UTF_8));
        assertThat(back.billing()).isEqualTo(records.get(0).billing());
    }

    @Test
    void anthropic_succeededAndErroredResults_onlySucceededAreBilled() {
        String jsonl = """
                {"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-sonnet-4-5-20250929",\
                "usage":{"input_tokens":250000,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,\
                "output_tokens":1000,"service_tier":"batch"}}}}
                {"custom_id":"b","result":{"type":"errored","error":{"type":"invalid_request_error"}}}
                """;

        List<UsageRecord> records = BatchResultRecords.anthropic(
                jsonl.getBytes(StandardCharsets.UTF_8), batch("msgbatch_1", "anthropic"), PRICER);

        // Batch x long context (docs.anthropic.com pricing): 250,000 x 3.00 + 1,000 x 11.25
        assertThat(records.get(0).costUsd()).isEqualByComparingTo("0.76125");
        assertThat(records.get(1).pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(records.get(1).errorType()).isEqualTo("batch_errored");
    }

    /**
     * Web searches are billed per search on top of the batch's tokens, as on the live path: Anthropic's
     * {@code usage.server_tool_use.web_search_requests} and each {@code web_search_call} item of an OpenAI response
     * ($10 per 1,000, docs.anthropic.com and platform.openai.com pricing; the batch discount is on tokens only).
     */
    @Test
    void webSearchesInBatchResults_areChargedPerSearchBesideTheTokens() {
        String anthropic = """
                {"custom_id":"a","result":{"type":"succeeded","message":{"model":"claude-sonnet-4-5",                "usage":{"input_tokens":1000,"output_tokens":200,"server_tool_use":{"web_search_requests":3}}}}}
                """;
        String openAi = """
                {"custom_id":"q","response":{"status_code":200,"body":{"model":"gpt-5-mini","output":[                {"type":"web_search_call","id":"ws_1","status":"completed"},                {"type":"web_search_call","id":"ws_2","status":"completed"},                {"type":"message","content":[{"type":"output_text","text":"hi"}]}],                "usage":{"input_tokens":4000,"output_tokens":500}}}}
                """;

        UsageRecord claude = BatchResultRecords.anthropic(
                        anthropic.getBytes(StandardCharsets.UTF_8), batch("msgbatch_2", "anthropic"), PRICER)
                .get(0);
        UsageRecord gpt = BatchResultRecords.openAi(
                        openAi.getBytes(StandardCharsets.UTF_8), batch("batch_ws", "openai"), PRICER)
                .get(0);

        // 1,000 x $1.50/M + 200 x $7.50/M (Batch) + 3 x $0.01
        assertThat(claude.costUsd()).isEqualByComparingTo("0.033");
        assertThat(claude.tokens().webSearches()).isEqualTo(3);
        // 4,000 x $0.125/M + 500 x $1.00/M (Batch) + 2 x $0.01
        assertThat(gpt.costUsd()).isEqualByComparingTo("0.021");
        assertThat(gpt.tokens().webSearches()).isEqualTo(2);
    }

    @Test
    void openAi_negativeCountAndUnreadableLine_estimatedAndUnpricedBesideTheGoodLine() {
        String jsonl = """
                {"custom_id":"q-1","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "usage":{"prompt_tokens":10000,"completion_tokens":1000}}}}
                {"custom_id":"q-2","response":{"status_code":200,"body":{"model":"gpt-5-mini",\
                "choices":[{"message":{"content":"one two three four"}}],\
                "usage":{"prompt_tokens":4000,"completion_tokens":-35}}}}
                {"custom_id":"q-3", not json
                """;

        List<UsageRecord> records = BatchResultRecords.openAi(
                jsonl.getBytes(StandardCharsets.UTF_8), batch("batch_neg", "openai"), PRICER, (model, text) -> 100);

        assertThat(records)
                .extracting(UsageRecord::requestId)
                .containsExactly("batch_neg/q-1", "batch_neg/q-2", "batch_neg/line-3");
        // the input reported, the output counted from the answer's text: 4,000 x 0.125 + 100 x 1.00 per 1M
        assertThat(records.get(1).usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(records.get(1).errorType()).isEqualTo("usage_missing");
        assertThat(records.get(1).tokens().inputTokens()).isEqualTo(4000);
        assertThat(records.get(1).costUsd()).isEqualByComparingTo("0.0006");
        // a line that is not JSON: its cost is unknown, not zero
        assertThat(records.get(2).pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(records.get(2).costUsd()).isNull();
    }
}
