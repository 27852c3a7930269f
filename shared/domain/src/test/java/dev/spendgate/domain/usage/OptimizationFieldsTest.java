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

    @Test
    void toBuilder_changingTheTimes_keepsEveryOtherFieldAndTheSchemaVersion() {
        UsageRecord schema3 = new UsageRecord(
                3,
                "req-2",
                Instant.parse("2026-12-03T15:00:00Z"),
                Instant.parse("2026-12-03T15:00:01Z"),
                "key_1",
                new Attribution("faq", "support", "t1", "prod", "s1", null, null),
                "openai",
                "chat.completions",
                "gpt-4o",
                "gpt-4o-mini",
                true,
                200,
                null,
                new BigDecimal("0.0042"),
                PricingStatus.PRICED,
                "2026-12-01",
                UsageSource.PROVIDER,
                900,
                850,
                50,
                256L,
                null,
                new UsageRecord.Fingerprints("sys", "00000000000000ff", "req", "00000000000000fe"),
                "gpt-4o",
                true,
                "azure",
                new UsageRecord.Billing("flex", "flex", "batch-1", null),
                UsageRecord.Optimization.NONE);

        UsageRecord moved = schema3.toBuilder()
                .tsStart(Instant.parse("2026-12-03T16:00:00Z"))
                .tsEnd(Instant.parse("2026-12-03T16:00:01Z"))
                .build();

        assertThat(moved)
                .isEqualTo(new UsageRecord(
                        3,
                        "req-2",
                        Instant.parse("2026-12-03T16:00:00Z"),
                        Instant.parse("2026-12-03T16:00:01Z"),
                        schema3.keyId(),
                        schema3.attribution(),
                        schema3.provider(),
                        schema3.endpoint(),
                        schema3.modelRequested(),
                        schema3.modelServed(),
                        schema3.stream(),
                        schema3.statusCode(),
                        schema3.tokens(),
                        schema3.costUsd(),
                        schema3.pricingStatus(),
                        schema3.pricingVersion(),
                        schema3.usageSource(),
                        schema3.latencyMs(),
                        schema3.upstreamMs(),
                        schema3.overheadMs(),
                        schema3.maxOutputTokens(),
                        schema3.errorType(),
                        schema3.fingerprints(),
                        schema3.degradedFrom(),
                        schema3.unenforced(),
                        schema3.pricingProvider(),
                        schema3.billing(),
                        schema3.optimization()));
    }

    @Test
    void toBuilder_ofAWorstCaseEstimate_keepsItsCostBasisAndSchemaVersion() {
        UsageRecord estimate = UsageRecord.builder()
                .requestId("req-9")
                .tsStart(Instant.parse("2026-12-03T15:00:00Z"))
                .tsEnd(Instant.parse("2026-12-03T15:16:00Z"))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .costUsd(new BigDecimal("0.25"))
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();

        UsageRecord moved = estimate.toBuilder()
                .tsStart(Instant.parse("2026-12-03T16:00:00Z"))
                .build();

        assertThat(moved.costBasis()).isEqualTo(UsageRecord.CostBasis.RESERVED_WORST_CASE);
        assertThat(moved.worstCaseEstimate()).isTrue();
        assertThat(moved.schemaVersion()).isEqualTo(UsageRecord.COST_BASIS_SCHEMA_VERSION);
        assertThat(moved.costUsd()).isEqualByComparingTo("0.25");
    }

    @Test
    void toBuilder_addingOptimizationFieldsToASchema1Record_raisesItToSchema3() {
        UsageRecord plain = base().build();

        UsageRecord routed = plain.toBuilder()
                .optimization(new UsageRecord.Optimization("triage-mini", null, null, null))
                .build();

        assertThat(plain.schemaVersion()).isEqualTo(1);
        assertThat(routed.schemaVersion()).isEqualTo(3);
        assertThat(routed.requestId()).isEqualTo(plain.requestId());
        assertThat(routed.optimization().routedBy()).isEqualTo("triage-mini");
    }
}
