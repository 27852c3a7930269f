package dev.spendgate.domain.usage;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.math.BigDecimal;
import java.time.Instant;

final class UsageRecords {
    private UsageRecords() {}

    static UsageRecord priced(String id, Instant start, String feature, String model, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution(feature, "engineering", null, "prod", "s-1", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(model)
                .modelServed(model + "-2024-08-06")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 200, 80, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .maxOutputTokens(256L)
                .fingerprints(new UsageRecord.Fingerprints("aa", "bb", "cc", "00ff00ff00ff00ff"))
                .build();
    }
}
