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
 * README "Batch APIs": batch results charge web searches "per search, as the live path does". OpenAI bills a Responses
 * call's {@code web_search_preview} tool at $25 per 1,000 calls on gpt-4o and gpt-4.1 (the catalog's
 * {@code web_search_preview_per_1k}), the {@code web_search} tool at $10; the live path prices searches of a request
 * whose web-search tools are all {@code web_search_preview} at the preview fee ({@code Price}, {@code
 * WebSearchTools.preview}). A batch result's response body echoes the request's {@code tools}, yet its searches are
 * always priced at $10.
 */
class BatchWebSearchPreviewReviewTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());

    @Test
    void responsesLine_withWebSearchPreviewTool_isPricedAtThePreviewFee() {
        // gpt-4.1 batch: 10,000 input x $1.00 + 500 output x $4.00 per 1M = $0.012; 2 preview searches x $0.025 = $0.05
        String jsonl = """
                {"id":"batch_req_1","custom_id":"news-1","response":{"status_code":200,"request_id":"req_1",\
                "body":{"id":"resp_1","object":"response","created_at":1796500000,"status":"completed",\
                "model":"gpt-4.1-2025-04-14","output":[{"type":"web_search_call","id":"ws_1","status":"completed"},\
                {"type":"web_search_call","id":"ws_2","status":"completed"},{"type":"message","id":"msg_1",\
                "status":"completed","role":"assistant","content":[{"type":"output_text","text":"Summary.",\
                "annotations":[]}]}],"tools":[{"type":"web_search_preview","search_context_size":"medium"}],\
                "usage":{"input_tokens":10000,"input_tokens_details":{"cached_tokens":0},"output_tokens":500,\
                "output_tokens_details":{"reasoning_tokens":0},"total_tokens":10500}}},"error":null}
                """;

        List<UsageRecord> records = BatchResultRecords.openAi(
                jsonl.getBytes(StandardCharsets.UTF_8),
                new BatchResultRecords.Batch(
                        "batch_news",
                        "openai",
                        "key_1",
                        new Attribution("news-digest", null, "content", "prod", null, null, null),
                        Instant.parse("2026-11-20T01:00:00Z"),
                        Instant.parse("2026-11-20T03:00:00Z"),
                        "2026-12-05"),
                PRICER);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.tokens().webSearches()).isEqualTo(2);
            assertThat(r.costUsd()).as("cost").isEqualByComparingTo("0.062");
        });
    }
}
