package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OptimizationFieldsTest {
    private static UsageRecord.Builder base() {
        return UsageRecord.builder()
                .requestId("req-1")
                .tsStart(Instant.parse("2026-12-03T15:00:00Z"))
                .tsEnd(Instant.parse("2026-12-03T15:00:01Z"))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .costUsd(BigDecimal.ZERO)
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER);
    }

    @Test
    void line_cacheHitRecord_isSchema3WithItsFieldsAndReadsBack() {
        UsageRecord hit = base().optimization(
                        new UsageRecord.Optimization("triage-mini", "hit", new BigDecimal("0.0031250"), null))
                .build();

        String line = new String(UsageRecordCodec.line(hit), StandardCharsets.UTF_8);
        UsageRecord back = UsageRecordCodec.read(line);

        assertThat(line)
                .contains("\"schema_version\":3")
                .contains("\"routed_by\":\"triage-mini\"")
                .contains("\"cache\":\"hit\"")
                .contains("\"saved_usd\":\"0.0031250\"")
                .doesNotContain("prompt_cache");
        assertThat(back).isEqualTo(hit);
    }

    @Test
    void line_recordWithoutThem_staysAsBefore() {
        String line = new String(UsageRecordCodec.line(base().build()), StandardCharsets.UTF_8);

        assertThat(line)
                .contains("\"schema_version\":1")
                .doesNotContain("routed_by")
                .doesNotContain("\"cache\"")
                .doesNotContain("saved_usd");
    }
}
