package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.FindingFixes;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cache-miss finding says what "a response cache (TTL 60 min)" in front of the feature would have saved; the
 * advisor's fix is that cache. The gateway keeps an answer 60 minutes from the call that filled it (a hit does not
 * extend it), so a question asked every 30 minutes is a hit every other time.
 */
class FindingFixReplayTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final TokenUsage TOKENS = new TokenUsage(600, 0, 0, 0, 300, 0);
    private static final Instant T0 = Instant.parse("2026-10-05T08:00:00Z");

    @Test
    void cacheMissFinding_questionEveryHalfHour_savesWhatItsCacheFixWouldHaveSaved() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(call(i, T0.plus(Duration.ofMinutes(30L * i))));
        }
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        records.forEach(pass::accept);
        WasteReport report = pass.finish(
                new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z")),
                new UsageLogReader.ReadStats(1, 20, 0, 0, 0, List.of()));
        Finding cacheMiss = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.CACHE_MISS)
                .findFirst()
                .orElseThrow();

        GatewayPolicyReplay replay = GatewayPolicyReplay.create(
                CATALOG, FindingFixes.forFinding(cacheMiss, CATALOG, null).policyWithOnlyIt());
        records.forEach(replay::apply);

        BigDecimal cost = MINI.cost(TOKENS);
        // misses at 08:00, 09:00, 10:00 ... (each fills for 60 min), hits at 08:30, 09:30 ...: 10 hits
        assertThat(replay.result().savedUsd()).isEqualByComparingTo(cost.multiply(BigDecimal.TEN));
        assertThat(cacheMiss.windowSavingsUsd())
                .isEqualByComparingTo(replay.result().savedUsd());
    }

    private static UsageRecord call(int i, Instant t) {
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
                .fingerprints(new Fingerprints(null, null, "refund-window", "0123456789abcdef"))
                .build();
    }
}
