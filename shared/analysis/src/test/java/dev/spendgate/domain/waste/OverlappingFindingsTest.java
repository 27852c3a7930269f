package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same calls named by several detectors: each finding is one lever, but the report's waste totals (the overall
 * and per-feature efficiency score, the board's "waste recoverable") add them up, so a call's cost must not be
 * counted as recoverable more than once.
 */
class OverlappingFindingsTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice GPT_4O = CATALOG.find("openai", "gpt-4o").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    @Test
    void finish_repeatedSimpleJobCallsOnAPremiumModel_reportNoMoreWasteThanTheyCost() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        // a nightly job asking gpt-4o the same short classification 60 times, two minutes apart
        for (int i = 0; i < 60; i++) {
            pass.accept(call(i, T0.plusSeconds(120L * i)));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 60, 0, 0, 0, List.of()));

        assertThat(report.findings())
                .extracting(Finding::category)
                .contains(WasteCategory.CACHE_MISS, WasteCategory.MODEL_MISMATCH, WasteCategory.BATCH_TIER);
        BigDecimal summed =
                report.findings().stream().map(Finding::windowSavingsUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        // each finding keeps its own figure (what its one change saves): together they name the calls three times
        assertThat(summed).isEqualByComparingTo("0.173280");
        // the waste figures the report shows: whatever the levers, what is recoverable is at most what was spent
        assertThat(report.spendUsd()).isEqualByComparingTo("0.0720");
        assertThat(report.overall().wasteUsd()).isLessThanOrEqualTo(report.spendUsd());
        // cache the 58 repeats, move the 2 calls that fill the cache to gpt-4o-mini, batch them: $0.000072 is left
        assertThat(report.overall().wasteUsd()).isEqualByComparingTo("0.071928");
        assertThat(report.features()).singleElement().satisfies(s -> assertThat(s.wasteUsd())
                .isEqualByComparingTo("0.071928"));
        assertThat(report.monthlySavingsUsd()).isEqualByComparingTo(WINDOW.monthly(new BigDecimal("0.071928")));
    }

    private static UsageRecord call(int i, Instant t) {
        TokenUsage tokens = new TokenUsage(400, 0, 0, 0, 20, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key_1")
                .attribution(new Attribution("classify", "ops", null, "production", "s" + i, null, "nightly-1"))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(GPT_4O.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "same-question", "0123456789abcdef"))
                .build();
    }
}
