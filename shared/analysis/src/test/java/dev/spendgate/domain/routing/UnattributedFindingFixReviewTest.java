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
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Calls sent without a feature (no header, no key default) are counted under {@code (unattributed)} (README, AI
 * Efficiency Score). A model-mismatch finding on them names that placeholder as its feature, and its ready fix
 * (advisor apply, the console's Apply) must either take the calls the finding counted or be refused: a route scoped
 * to a feature literally named "(unattributed)" matches no call, yet is written to the policy and recorded as the
 * finding's applied fix.
 */
class UnattributedFindingFixReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice GPT_4O = CATALOG.find("openai", "gpt-4o").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private static final Attribution NO_FEATURE =
            new Attribution(null, "support", null, "production", null, null, null);

    @Test
    void forFinding_mismatchOnCallsWithoutAFeature_routesThoseCallsOrIsRefused() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        for (int i = 0; i < 60; i++) {
            pass.accept(call(i));
        }
        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 60, 0, 0, 0, List.of()));
        Finding finding = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .findFirst()
                .orElseThrow();

        FindingFixes.Fix fix;
        try {
            fix = FindingFixes.forFinding(finding, CATALOG, null);
        } catch (FindingFixes.NoFixException refused) {
            return; // refused with what to do instead: no rule that moves nothing is applied
        }

        // the same kind of call as the finding counted: gpt-4o, 300 prompt tokens, no feature
        Optional<GatewayPolicy.Routed> routed = fix.policyWithOnlyIt()
                .route(new RequestTraits(
                        NO_FEATURE, "key_1", "chat.completions", "gpt-4o", () -> 300L, 100L, false, null, "req-x"));
        assertThat(routed)
                .as(
                        "the route of finding %s (feature %s) takes a call without a feature",
                        finding.id(), finding.feature())
                .isPresent();
    }

    private static UsageRecord call(int i) {
        Instant t = T0.plusSeconds(97L * i);
        TokenUsage tokens = new TokenUsage(300, 0, 0, 0, 40 + i % 5, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key_1")
                .attribution(NO_FEATURE)
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(GPT_4O.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(UsageRecord.Fingerprints.NONE)
                .optimization(UsageRecord.Optimization.NONE)
                .build();
    }
}
