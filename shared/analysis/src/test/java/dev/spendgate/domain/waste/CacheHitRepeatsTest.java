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
 * Repeats the gateway's response cache answered: recorded with cost 0 and {@code cache: hit} (no model ran). They cost
 * nothing, so they are no waste, and a finding about them would stay open after the cache fixed the waste.
 */
class CacheHitRepeatsTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    @Test
    void finish_sessionRepeatsAnsweredByTheResponseCache_areNoRetryWaste() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        BigDecimal cost = MINI.cost(tokens);
        pass.accept(call(0, tokens, cost, UsageRecord.Optimization.NONE));
        for (int i = 1; i <= 5; i++) {
            pass.accept(
                    call(i, TokenUsage.ZERO, BigDecimal.ZERO, new UsageRecord.Optimization(null, "hit", cost, null)));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 6, 0, 0, 0, List.of()));

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.RETRY_WASTE)
                .isEmpty();
    }

    private static UsageRecord call(int i, TokenUsage tokens, BigDecimal cost, UsageRecord.Optimization o) {
        Instant t = T0.plusSeconds(5L * i);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(i == 0 ? 900 : 2))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", "s1", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(i == 0 ? UsageRecord.UsageSource.PROVIDER : UsageRecord.UsageSource.NONE)
                .fingerprints(new Fingerprints(null, null, "same-question", "0123456789abcdef"))
                .optimization(o)
                .build();
    }
}
