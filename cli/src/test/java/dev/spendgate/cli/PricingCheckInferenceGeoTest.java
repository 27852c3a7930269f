package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic bills a US-only call ({@code inference_geo: "us"}) at 1.1x on Claude Opus 4.6. {@code pricing check}
 * re-prices a month's calls from the record: without the region it showed such a month 10 % cheaper than it was
 * billed, and a price file that changes nothing as a saving.
 */
class PricingCheckInferenceGeoTest {
    @TempDir
    Path dir;

    @Test
    void check_usOnlyCall_isRepricedWithItsMultiplier() throws Exception {
        Path file = dir.resolve("overrides.json");
        Files.writeString(file, """
                {"discounts": [{"provider": "openai", "model": "gpt-4o", "percent": 10}]}
                """);
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            // as the gateway records it: (1,000,000 x 5.00 + 100,000 x 25.00) / 1M x 1.1
            writer.append(UsageRecord.builder()
                    .requestId("a")
                    .tsStart(t)
                    .tsEnd(t.plusMillis(300))
                    .keyId("key_1")
                    .provider("anthropic")
                    .endpoint("messages")
                    .modelRequested("claude-opus-4-6")
                    .modelServed("claude-opus-4-6")
                    .statusCode(200)
                    .tokens(TokenUsage.anthropic(1_000_000, 0, 0, 0, 100_000))
                    .costUsd(new BigDecimal("8.25"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.PROVIDER)
                    .serviceTierServed("standard")
                    .inferenceGeo("us")
                    .build());
        }

        CliRun r = CliRun.of(
                "pricing",
                "check",
                file.toString(),
                "--month",
                "2026-10",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).as(r.out()).containsPattern("TOTAL\\s+8\\.25\\s+8\\.25\\s+0\\s");
    }
}
