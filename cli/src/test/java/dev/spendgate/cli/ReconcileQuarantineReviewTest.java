package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Data quality": a record whose {@code cost_usd} is implausible for its tokens "is quarantined, counted and
 * left out of every figure", and the report's {@code reconciliation.csv} is "the month's reconciliation, as
 * {@code spendgate reconcile} writes it". One gpt-4o-mini call of 1,100 tokens recorded as costing $1,000,000 (a
 * corrupt record) must not be the gateway's metered cost in {@code spendgate reconcile} either: today the command
 * loads the log with {@code CostCheck.NONE}, so it reports $1,000,000 metered that the provider never billed, an
 * unexplained difference of almost 100 % and an ALARM, for a month the monthly report calls within threshold.
 */
class ReconcileQuarantineReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_implausibleRecordInTheLog_leftOutOfMeteredLikeTheReport() throws Exception {
        ReconcileCommandTest month = new ReconcileCommandTest();
        month.dir = dir;
        month.writeMonth();
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool2")),
                Clock.systemUTC(),
                50)) {
            Instant ts = Instant.parse("2026-11-03T13:00:00Z");
            writer.append(UsageRecord.builder()
                    .requestId("corrupt")
                    .tsStart(ts)
                    .tsEnd(ts.plusSeconds(1))
                    .keyId("k")
                    .provider("openai")
                    .modelRequested("gpt-4o-mini")
                    .modelServed("gpt-4o-mini-2024-07-18")
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                    .costUsd(new BigDecimal("1000000"))
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build());
        }
        Path[] files = month.openAiFiles("usd");
        Path out = dir.resolve("out");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                files[0].toString(),
                "--openai",
                files[1].toString(),
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("reconciliation.csv"));
        // the metered side is the 30 sound calls (0.0063), as in the month without the corrupt record
        assertThat(csv).anySatisfy(l -> assertThat(l)
                .startsWith("2,provider_total,,openai,,,,0.1563,0.0063,0.15,95.97,within_threshold,"));
        assertThat(r.out()).doesNotContain("ALARM");
        assertThat(r.out()).contains("Left out: 1 records with");
        // and the file names it, as the AWS reconcile job's and the monthly report's do
        assertThat(csv).anySatisfy(l -> assertThat(l)
                .contains(",total,")
                .contains("Left out: 1 records with a cost above the model's maximum for its tokens"));
    }
}
