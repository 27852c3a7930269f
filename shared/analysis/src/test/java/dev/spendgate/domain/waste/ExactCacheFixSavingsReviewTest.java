package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.domain.routing.FindingFixes;
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
 * A cache-miss finding of mostly exact repeats: its fix (advisor apply, README "From finding to fix") is an exact
 * response cache, which answers only the exact repeats. The finding's savings, the figure the waste report, the
 * console and the board PDF show as recoverable, should be what that fix recovers, not what a 0.90 semantic cache
 * (which nobody is told to set up) would have.
 */
class ExactCacheFixSavingsReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private static final TokenUsage TOKENS = new TokenUsage(600, 0, 0, 0, 300, 0);

    @Test
    void findings_mostlyExactRepeats_claimWhatTheExactCacheFixSaves() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        BigDecimal cost = MINI.cost(TOKENS);
        // one question fills the cache, 10 exact repeats of it, 5 rewordings (sketch 1 bit apart) within the hour
        pass.accept(call(0, "q-1", "0123456789abcdef"));
        for (int i = 1; i <= 10; i++) {
            pass.accept(call(i, "q-1", "0123456789abcdef"));
        }
        for (int i = 11; i <= 15; i++) {
            pass.accept(call(i, "q-reworded-" + i, "0123456789abcdee"));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 16, 0, 0, 0, List.of()));

        Finding finding = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.CACHE_MISS)
                .findFirst()
                .orElseThrow();
        assertThat(finding.evidence().details())
                .containsEntry("exact_duplicates", "10")
                .containsEntry("hits_at_0.90", "15");
        FindingFixes.Fix fix = FindingFixes.forFinding(finding, CATALOG, null);
        assertThat(fix.policyWithOnlyIt().cache()).singleElement().satisfies(rule -> assertThat(rule.mode())
                .isEqualTo(CacheRule.Mode.EXACT));
        // the exact cache answers the 10 exact repeats; the 5 rewordings still reach the model
        assertThat(finding.windowSavingsUsd()).isEqualByComparingTo(cost.multiply(BigDecimal.valueOf(10)));
    }

    private static UsageRecord call(int i, String requestHash, String simhash) {
        Instant t = T0.plusSeconds(60L * i);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", "s" + i, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(TOKENS)
                .costUsd(MINI.cost(TOKENS))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, requestHash, simhash))
                .optimization(UsageRecord.Optimization.NONE)
                .build();
    }
}
