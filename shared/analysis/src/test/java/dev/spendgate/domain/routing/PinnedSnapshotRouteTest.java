package dev.spendgate.domain.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A feature that pins a dated snapshot ({@code gpt-4o-2024-08-06}, an alias of {@code gpt-4o} in the catalog): the
 * model-mismatch finding names the catalog model, and the route built from it must still take the feature's calls.
 */
class PinnedSnapshotRouteTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice GPT_4O =
            CATALOG.find("openai", "gpt-4o-2024-08-06").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final Attribution TRIAGE =
            new Attribution("triage", "support", null, "production", null, null, null);

    @Test
    void forFinding_mismatchOfAPinnedSnapshot_stillMovesTheFeaturesCalls() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        for (int i = 0; i < 60; i++) {
            pass.accept(call(i));
        }
        WasteReport report = pass.finish(
                new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z")),
                new UsageLogReader.ReadStats(1, 60, 0, 0, 0, List.of()));
        Finding mismatch = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .findFirst()
                .orElseThrow();

        FindingFixes.Fix fix = FindingFixes.forFinding(mismatch, CATALOG, null);

        // the feature's next call, as the gateway sees it: the pinned snapshot, 400 prompt tokens
        RequestTraits next = new RequestTraits(
                TRIAGE, "key_1", "chat.completions", "gpt-4o-2024-08-06", () -> 400, null, false, h -> null, "req-x");
        assertThat(fix.policyWithOnlyIt().route(next))
                .hasValueSatisfying(r -> assertThat(r.model()).isEqualTo("gpt-4o-mini"));
    }

    private static UsageRecord call(int i) {
        Instant t = T0.plusSeconds(30L * i);
        TokenUsage tokens = new TokenUsage(400, 0, 0, 0, 20, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key_1")
                .attribution(TRIAGE)
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-2024-08-06")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(GPT_4O.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
