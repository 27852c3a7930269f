package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.report.reconcile.AdminApiClient;
import dev.spendgate.report.reconcile.ReconcileRun;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack runs the reconcile job daily at 05:00 UTC for the month to date through yesterday, and the monthly report
 * on the 2nd at 06:00 UTC (ScheduledJobs: "the 2nd, not the 1st"). The README promises the report reconciles "after
 * that day's 05:00 run has reconciled the whole previous month"; but the 2nd's 05:00 run reconciles the new month
 * (yesterday is the 1st), so November's provider bill is last imported at 1 December 05:00, five hours after the
 * month ended, and never again. AWS delivers the CUR export some hours apart (it is refreshed up to three times a
 * day and finalised after the month closes): an export of November that lands on 1 December at noon, a day before the
 * report, is in no reconciliation, and the board says "aws: no bill data" for a month whose bill was there.
 */
class PreviousMonthBillRefreshReviewTest {
    static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    @TempDir
    Path dir;

    @Test
    void report_onTheSecond_reconcilesThePreviousMonthWithTheExportDeliveredOnTheFirst() throws Exception {
        FileSystemObjectStore data = new FileSystemObjectStore(dir.resolve("data"));
        FileSystemObjectStore exports = new FileSystemObjectStore(dir.resolve("exports"));
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        BigDecimal cost =
                PricingCatalog.bundled().find("bedrock", MODEL).orElseThrow().cost(tokens);
        Instant t = Instant.parse("2026-11-01T09:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (String id : new String[] {"r-1", "r-2"}) {
                UsageRecordCodec.write(
                        UsageRecord.builder()
                                .requestId(id)
                                .tsStart(t)
                                .tsEnd(t.plusSeconds(1))
                                .provider("bedrock")
                                .modelServed(MODEL)
                                .statusCode(200)
                                .tokens(tokens)
                                .costUsd(cost)
                                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                                .usageSource(UsageRecord.UsageSource.PROVIDER)
                                .build(),
                        gz);
            }
        }
        data.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());

        // 1 December 05:00: the job runs for November; AWS has not delivered November's export yet
        Map<String, Object> first = reconcileJob(data, exports, "2026-12-01T05:00:00Z");
        assertThat(first).containsEntry("month", "2026-11");
        // 1 December, noon: AWS delivers it
        exports.put(
                "cur/spendgate/data/BILLING_PERIOD=2026-11/spendgate-00001.csv",
                getClass().getResourceAsStream("/aws-cur2-bedrock.csv").readAllBytes());
        // 2 December 05:00: the last job run before the monthly report
        reconcileJob(data, exports, "2026-12-02T05:00:00Z");

        // 2 December 06:00: the monthly report of November, as the stack schedules it
        Map<String, Object> report = new ReportRunnerHandler(
                        data,
                        ReportRunnerConfig.fromEnv(Map.of(
                                "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                                "SPENDGATE_REPORT_PROVIDER_BILLS", "true")),
                        null,
                        List::of,
                        null,
                        key -> "https://example.test/" + key,
                        Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC))
                .handleRequest(Map.of("month", "2026-11"), null);

        assertThat(((List<?>) report.get("reconciliation")).stream().map(Object::toString))
                .as("November's AWS bill, delivered a day before the report, is reconciled")
                .anySatisfy(line -> assertThat(line).startsWith("aws: $2.79 billed"));
    }

    Map<String, Object> reconcileJob(FileSystemObjectStore data, FileSystemObjectStore exports, String now) {
        Clock clock = Clock.fixed(Instant.parse(now), ZoneOffset.UTC);
        ReconcileRun run = new ReconcileRun(
                MonthlyUsageSource.fromLog(data),
                data,
                exports,
                "cur/",
                source -> Optional.empty(),
                AdminApiClient.create(Duration.ofSeconds(5)),
                ReconcileRun.Endpoints.PUBLIC,
                null,
                PricingCatalog.bundled(),
                BigDecimal.valueOf(2));
        return new ReconcileRunnerHandler(run, clock).handleRequest(Map.of(), null);
    }
}
