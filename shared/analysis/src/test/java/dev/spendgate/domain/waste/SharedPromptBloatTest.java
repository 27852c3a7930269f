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
 * Two features sending the same long system prompt uncached. A context-bloat finding is scoped to a feature (and its
 * fix, a prompt caching rule, applies to that feature alone), so its calls and savings must be that feature's.
 */
class SharedPromptBloatTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice SONNET =
            CATALOG.find("anthropic", "claude-sonnet-4-5").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    @Test
    void finish_twoFeaturesSharingOneSystemPrompt_eachFindingHoldsOnlyItsFeaturesCalls() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        // "triage" sends the shared 3,100-token prompt 5 times first, then "kb-assistant" 40 times, a minute apart
        for (int i = 0; i < 45; i++) {
            pass.accept(call(i, i < 5 ? "triage" : "kb-assistant"));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 45, 0, 0, 0, List.of()));

        List<Finding> bloat = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.CONTEXT_BLOAT)
                .toList();
        assertThat(bloat).isNotEmpty();
        // triage alone (5 calls) is under the 20-call bar; kb-assistant's 40 calls are a finding of its own
        assertThat(bloat).allSatisfy(f -> assertThat(f.scopeValue()).isEqualTo("kb-assistant"));
        assertThat(bloat).allSatisfy(f -> assertThat(f.evidence().calls()).isEqualTo(40));
        // 39 reads of the 3,100-token prefix at (3.00 - 0.30) $/Mtok, minus one write at (3.75 - 3.00) $/Mtok
        assertThat(bloat.get(0).windowSavingsUsd()).isEqualByComparingTo(new BigDecimal("0.324105"));
    }

    private static UsageRecord call(int i, String feature) {
        Instant t = T0.plusSeconds(60L * i);
        TokenUsage tokens = new TokenUsage(3_100, 0, 0, 0, 200, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(1500))
                .keyId("key_1")
                .attribution(new Attribution(feature, "support", null, "production", "s" + i, null, null))
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-sonnet-4-5")
                .modelServed("claude-sonnet-4-5")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(SONNET.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints("shared-system-prompt", null, "q-" + i, String.format("%016x", i)))
                .build();
    }
}
