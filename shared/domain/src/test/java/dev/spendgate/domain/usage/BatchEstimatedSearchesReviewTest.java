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
 * README "Batch APIs": a line whose count is null or absent "is recorded as a live call would be, usage_source:
 * estimated ... with the counts that are counts", and web searches are "billed per search, as on the live path". The
 * live path's estimate keeps the searches the provider reported ({@code Price.estimate}: "Searches reported stand").
 * Anthropic bills a Message Batch request's web searches at $10 per 1,000 whatever its token counts say.
 */
class BatchEstimatedSearchesReviewTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());
    private static final BatchResultRecords.TextTokens WORDS = (model, text) -> text.split(" ").length;

    @Test
    void anthropicLine_withoutOutputCount_keepsItsWebSearches() {
        // 20,000 input tokens at the batch rate ($1.50 / 1M) = $0.03, 6 counted output tokens ($7.50 / 1M) =
        // $0.000045, and 3 web searches at $10 / 1,000 = $0.03
        String jsonl = """
                {"custom_id":"q-1","result":{"type":"succeeded","message":{"id":"msg_1","type":"message",\
                "role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text",\
                "text":"a billed answer of several words"}],"stop_reason":"end_turn",\
                "usage":{"input_tokens":20000,"output_tokens":null,\
                "server_tool_use":{"web_search_requests":3}}}}}
                """;

        List<UsageRecord> records = BatchResultRecords.anthropic(
                jsonl.getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "msgbatch_search",
                        "anthropic",
                        "key_1",
                        new Attribution("research", null, "data", "prod", null, null, null),
                        Instant.parse("2026-11-20T01:00:00Z"),
                        Instant.parse("2026-11-20T03:00:00Z"),
                        "2026-12-05"),
                PRICER,
                WORDS);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
            assertThat(r.tokens().webSearches()).as("web searches").isEqualTo(3);
            assertThat(r.costUsd()).as("cost").isEqualByComparingTo("0.060045");
        });
    }
}
