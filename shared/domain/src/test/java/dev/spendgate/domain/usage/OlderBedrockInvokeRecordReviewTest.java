package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Bedrock InvokeModel call to Claude through the {@code global.} cross-region profile, recorded by the gateway
 * before 2e2d3b3d (same catalog version, {@code 2026-12-05}): {@code model_served} is the Anthropic name of Bedrock's
 * body, {@code model_requested} the path's id, and {@code cost_usd} the global profile's price, which is what Bedrock
 * bills for it (catalog: global $1.00 / $5.00 per 1M, in-region $1.10 / $5.50; the gateway of that version found no
 * bedrock entry for the body's name and priced the path's id). README, "Usage record": reports price such older
 * records; their cost is the one Bedrock billed, so no report may set it aside as mismatched with the very catalog
 * version that priced it, or leave it out of {@code usage}.
 */
class OlderBedrockInvokeRecordReviewTest {
    /** The bytes the gateway of 2e2d3b3d^ wrote for the call (10,000 input, 1,000 output tokens). */
    static final String LINE = "{\"schema_version\":1,\"request_id\":\"req_old_invoke_1\","
            + "\"ts_start\":\"2026-12-05T09:00:00Z\",\"ts_end\":\"2026-12-05T09:00:01.200Z\",\"key_id\":\"key_1\","
            + "\"feature\":\"support\",\"department\":\"cx\",\"team\":null,\"environment\":\"prod\",\"session\":null,"
            + "\"user\":null,\"run\":null,\"attributed\":true,\"provider\":\"bedrock\",\"endpoint\":\"bedrock.invoke\","
            + "\"model_requested\":\"global.anthropic.claude-haiku-4-5-20251001-v1:0\","
            + "\"model_served\":\"claude-haiku-4-5-20251001\",\"stream\":false,\"status_code\":200,"
            + "\"input_tokens\":10000,\"cached_input_tokens\":0,\"cache_write_tokens\":0,\"cache_write_1h_tokens\":0,"
            + "\"output_tokens\":1000,\"reasoning_tokens\":0,\"cost_usd\":\"0.015\",\"pricing_status\":\"priced\","
            + "\"pricing_version\":\"2026-12-05\",\"usage_source\":\"provider\",\"latency_ms\":1200,"
            + "\"upstream_ms\":1190,\"overhead_ms\":10,\"max_output_tokens\":1024,\"error_type\":null,"
            + "\"system_hash\":null,\"prefix_hash\":null,\"request_hash\":null,\"simhash\":null}";

    @Test
    void costCheck_olderGlobalProfileInvokeRecord_keepsTheCostBedrockBilled() {
        UsageRecord r = UsageRecordCodec.read(LINE);
        PricingCatalog bundled = PricingCatalog.bundled();
        assertThat(bundled.version()).as("the catalog version that priced it").isEqualTo(r.pricingVersion());

        assertThat(CostCheck.against(bundled).check(r))
                .as("quarantine reason of a cost the gateway priced at the global profile's rates")
                .isEmpty();
    }

    @Test
    void usage_olderGlobalProfileInvokeRecord_isCountedInTheTotal() {
        UsageSummary summary = UsageSummary.groupedBy(List.of("model"), CostCheck.against(PricingCatalog.bundled()));
        summary.add(UsageRecordCodec.read(LINE));

        assertThat(summary.rows())
                .extracting(UsageSummary.Row::costUsd)
                .as("spend of `spendgate usage --group-by model`")
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("0.015"));
    }
}
