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
 * Claude Opus 4.1 on Bedrock is called through a geographic inference profile ({@code us.anthropic.claude-opus-4-1-...}):
 * Bedrock refuses the bare model id on demand ("Invocation of model ID ... with on-demand throughput isn't supported.
 * Retry your request with the ID or ARN of an inference profile"), and so it does for Claude Haiku 4.5. The gateway
 * prices the profile's calls as the bare catalog entry, so a model-mismatch finding on them names the bare id; its
 * ready fix (advisor apply, the console's Apply) must take the calls the finding counted, which ask for the profile,
 * and send them to the cheaper model in the same geography.
 */
class BedrockProfileRouteReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final String OPUS_US = "us.anthropic.claude-opus-4-1-20250805-v1:0";
    private static final ModelPrice OPUS = CATALOG.find("bedrock", OPUS_US).orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private static final Attribution TRIAGE =
            new Attribution("triage", "support", null, "production", null, null, null);

    @Test
    void forFinding_mismatchOnUsProfileCalls_routesThemToTheCheaperModelInTheUsProfile() {
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

        FindingFixes.Fix fix = FindingFixes.forFinding(finding, CATALOG, null);

        // the same kind of call as the finding counted: the US profile, 300 prompt tokens
        Optional<GatewayPolicy.Routed> routed = fix.policyWithOnlyIt()
                .route(new RequestTraits(TRIAGE, "key_1", "converse", OPUS_US, () -> 300L, 100L, false, null, "req-x"));
        assertThat(routed)
                .as("%s: %s", fix.description(), finding.recommendation())
                .hasValueSatisfying(r -> assertThat(r.model()).startsWith("us."));
    }

    private static UsageRecord call(int i) {
        Instant t = T0.plusSeconds(97L * i);
        TokenUsage tokens = new TokenUsage(300, 0, 0, 0, 40 + i % 5, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key_1")
                .attribution(TRIAGE)
                .provider("bedrock")
                .endpoint("converse")
                .modelRequested(OPUS_US)
                .modelServed(OPUS_US)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(OPUS.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(UsageRecord.Fingerprints.NONE)
                .optimization(UsageRecord.Optimization.NONE)
                .build();
    }
}
