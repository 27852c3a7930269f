package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that never settled is recorded by the sweeper at the worst case reserved for it ({@code cost_basis:
 * reserved_worst_case}, schema 4), an over-count the monthly report marks as estimated ({@code x_Estimated}). {@code
 * usage} adds it into COST_USD like any provider-billed amount and says nothing: the operator reads $5.00 of a $5.35
 * total as spend the provider billed.
 */
class UsageWorstCaseEstimateTest {
    @TempDir
    Path dir;

    @Test
    void usage_worstCaseRecordInTheTotal_saysHowMuchOfItIsAnEstimate() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(base("a", t)
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(100_000, 0, 10_000, 0))
                    .costUsd(new BigDecimal("0.35"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.PROVIDER)
                    .build());
            // what the sweeper writes (UnsettledCalls.record) for a call whose gateway died mid-call
            writer.append(base("b", t.plusSeconds(60))
                    .costUsd(new BigDecimal("5.00"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.ESTIMATED)
                    .errorType("unsettled")
                    .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                    .build());
        }

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("TOTAL.*5\\.35");
        // the 5.00 is the worst case reserved for a call that never settled, not an amount the provider billed
        assertThat(r.out()).containsPattern("(?i)worst.case");
        // how many calls and how much of the total
        assertThat(r.out()).contains("1 calls never settled").contains("$5.00 of COST_USD");
    }

    private static UsageRecord.Builder base(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "eng", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o");
    }
}
