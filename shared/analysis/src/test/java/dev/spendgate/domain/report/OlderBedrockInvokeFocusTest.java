package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An InvokeModel record of the gateway before 2e2d3b3d keeps Anthropic's name as {@code model_served} and was priced
 * at the path's {@code global.} profile ($1.00 / $5.00 per 1M). FOCUS shows it at the rates it was charged, not the
 * in-region ones ($1.10 / $5.50), so its usage rows add up to its billed cost with no adjustment.
 */
class OlderBedrockInvokeFocusTest {
    static final String LINE = "{\"schema_version\":1,\"request_id\":\"req_old_invoke_1\","
            + "\"ts_start\":\"2026-12-05T09:00:00Z\",\"ts_end\":\"2026-12-05T09:00:01.200Z\",\"key_id\":\"key_1\","
            + "\"feature\":\"support\",\"department\":\"cx\",\"environment\":\"prod\",\"attributed\":true,"
            + "\"provider\":\"bedrock\",\"endpoint\":\"bedrock.invoke\","
            + "\"model_requested\":\"global.anthropic.claude-haiku-4-5-20251001-v1:0\","
            + "\"model_served\":\"claude-haiku-4-5-20251001\",\"stream\":false,\"status_code\":200,"
            + "\"input_tokens\":10000,\"cached_input_tokens\":0,\"output_tokens\":1000,\"cost_usd\":\"0.015\","
            + "\"pricing_status\":\"priced\",\"pricing_version\":\"2026-12-05\",\"usage_source\":\"provider\"}";

    @Test
    void focus_olderInvokeRecordViaGlobalProfile_usageRowsAtTheGlobalRates() {
        PricingCatalog bundled = PricingCatalog.bundled();
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 12));
        usage.add(UsageRecordCodec.read(LINE));

        List<FocusCharge> charges = FocusCharges.of(usage, bundled, bundled);

        assertThat(charges)
                .extracting(c -> c.category() + " " + c.tokens() + " x "
                        + c.listUnitPrice().stripTrailingZeros())
                .containsExactlyInAnyOrder("USAGE 10000 x 1", "USAGE 1000 x 5");
        assertThat(charges.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("0.015");
    }
}
