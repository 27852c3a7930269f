package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A premium model's calls billed at a service tier other than standard: the cheaper model runs at that tier too. */
class ServiceTierMismatchTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final CallPricer PRICER = CallPricer.create(CATALOG);
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private static final TokenUsage TOKENS = new TokenUsage(400, 0, 0, 0, 20, 0);

    @Test
    void finish_priorityTierCallsOnAPremiumModel_saveTheDifferenceAtThePriorityTier() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        for (int i = 0; i < 60; i++) {
            pass.accept(call(i));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 60, 0, 0, 0, List.of()));

        // what the 60 calls cost (gpt-4o at priority) minus what they would cost on gpt-4o-mini at priority
        BigDecimal perCall = cost("gpt-4o").subtract(cost("gpt-4o-mini"));
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.evidence().details()).containsEntry("cheaper_model", "gpt-4o-mini");
                    assertThat(f.windowSavingsUsd()).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(60)));
                });
    }

    private static BigDecimal cost(String model) {
        return PRICER.price(new CallPricer.Call("openai", model, model, TOKENS, true, "priority", "priority", null, T0))
                .cost();
    }

    private static UsageRecord call(int i) {
        Instant t = T0.plusSeconds(30L * i);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key_1")
                .attribution(new Attribution("triage", "support", null, "production", "s" + i, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(TOKENS)
                .costUsd(cost("gpt-4o"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .serviceTierRequested("priority")
                .serviceTierServed("priority")
                .build();
    }
}
