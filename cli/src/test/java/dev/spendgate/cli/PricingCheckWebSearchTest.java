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
 * Anthropic bills each web search at $10 per 1,000 on top of the tokens. {@code pricing check} re-prices a month's
 * calls from the record, so the record keeps the searches ({@code web_searches}) and the re-price keeps their fee: a
 * price file that changes nothing shows no saving.
 */
class PricingCheckWebSearchTest {
    @TempDir
    Path dir;

    @Test
    void check_callWithWebSearches_isRepricedWithTheirFee() throws Exception {
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
            // as the gateway records it: (100,000 x 3.00 + 10,000 x 15.00) / 1M + 100 searches x $0.01
            writer.append(UsageRecord.builder()
                    .requestId("a")
                    .tsStart(t)
                    .tsEnd(t.plusMillis(300))
                    .keyId("key_1")
                    .provider("anthropic")
                    .endpoint("messages")
                    .modelRequested("claude-sonnet-4-5")
                    .modelServed("claude-sonnet-4-5-20250929")
                    .statusCode(200)
                    .tokens(TokenUsage.anthropic(100_000, 0, 0, 0, 10_000).withWebSearches(100))
                    .costUsd(new BigDecimal("1.45"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.PROVIDER)
                    .serviceTierServed("standard")
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
        assertThat(r.out()).as(r.out()).containsPattern("TOTAL\\s+1\\.45\\s+1\\.45\\s+0\\s");
    }
}
