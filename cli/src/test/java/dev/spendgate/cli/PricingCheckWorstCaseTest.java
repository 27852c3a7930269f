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
 * {@code pricing check} re-prices a month's calls from their tokens. A call that never settled is recorded at its
 * reserved worst case with zero tokens ({@code cost_basis: reserved_worst_case}): re-priced from its tokens it costs
 * $0 with both catalogs, so COST_NOW_USD leaves out $5.00 the month recorded, with no word of it.
 */
class PricingCheckWorstCaseTest {
    @TempDir
    Path dir;

    @Test
    void check_monthWithAWorstCaseRecord_doesNotRepriceItSilentlyAtZero() throws Exception {
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
            writer.append(base("a", t)
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                    .costUsd(new BigDecimal("3.5"))
                    .usageSource(UsageSource.PROVIDER)
                    .serviceTierServed("default")
                    .build());
            // what the sweeper writes (UnsettledCalls.record) for a call whose gateway died mid-call
            writer.append(base("b", t.plusSeconds(60))
                    .costUsd(new BigDecimal("5.00"))
                    .usageSource(UsageSource.ESTIMATED)
                    .errorType("unsettled")
                    .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
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
        // either re-priced from what was recorded (8.5 now), or set apart and said so: never a quiet $0
        assertThat(r.out())
                .as(r.out())
                .satisfiesAnyOf(out -> assertThat(out).containsPattern("TOTAL\\s+8\\.5\\s"), out -> assertThat(out)
                        .containsPattern("(?i)worst.case"));
    }

    private static UsageRecord.Builder base(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .pricingStatus(PricingStatus.PRICED);
    }
}
