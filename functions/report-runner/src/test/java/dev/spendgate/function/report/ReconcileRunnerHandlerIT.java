package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.reconcile.AdminApiClient;
import dev.spendgate.report.reconcile.ReconcileRun;
import dev.spendgate.testing.aws.LocalS3;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The daily job against a local S3: usage log and export bucket in, reconciliation/YYYY-MM.csv out. */
class ReconcileRunnerHandlerIT {
    S3ObjectStore usage;
    S3ObjectStore exports;

    @BeforeEach
    void buckets() throws Exception {
        LocalS3 s3 = LocalS3.shared();
        usage = new S3ObjectStore(s3.client(), s3.createUniqueBucket("usage"));
        exports = new S3ObjectStore(s3.client(), s3.createUniqueBucket("exports"));
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        // two calls of 150,000 input tokens, each below Sonnet 4.5's 200,000-token long-context threshold
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        BigDecimal cost =
                PricingCatalog.bundled().find("bedrock", model).orElseThrow().cost(tokens);
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
                                .modelServed(model)
                                .statusCode(200)
                                .tokens(tokens)
                                .costUsd(cost)
                                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                                .usageSource(UsageRecord.UsageSource.PROVIDER)
                                .build(),
                        gz);
            }
        }
        usage.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());
        ByteArrayOutputStream cur = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(cur)) {
            gz.write(getClass().getResourceAsStream("/aws-cur2-bedrock.csv").readAllBytes());
        }
        exports.put("cur/spendgate/data/BILLING_PERIOD=2026-11/spendgate-00001.csv.gz", cur.toByteArray());
        exports.put("cur/spendgate/data/BILLING_PERIOD=2026-10/spendgate-00001.csv.gz", "not read".getBytes());
    }

    ReconcileRunnerHandler handler(String now) {
        ReconcileRun run = new ReconcileRun(
                MonthlyUsageSource.fromLog(usage),
                usage,
                exports,
                "cur/",
                source -> Optional.empty(),
                AdminApiClient.create(Duration.ofSeconds(5)),
                ReconcileRun.Endpoints.PUBLIC,
                null,
                PricingCatalog.bundled(),
                BigDecimal.valueOf(2));
        return new ReconcileRunnerHandler(run, Clock.fixed(Instant.parse(now), ZoneOffset.UTC));
    }

    @Test
    void handleRequest_dailyRun_monthToDateCsvFromTheExportBucketProvidersWithoutKeySkipped() {
        Map<String, Object> out = handler("2026-11-03T02:00:00Z").handleRequest(Map.of(), null);

        assertThat(out)
                .containsEntry("month", "2026-11")
                .containsEntry("through", "2026-11-02")
                .containsEntry("csv", "reconciliation/2026-11.csv")
                .containsEntry("alarmed", false);
        assertThat(out.get("skipped")).isEqualTo(List.of("openai: no admin key", "anthropic: no admin key"));
        String csv = new String(usage.get("reconciliation/2026-11.csv").orElseThrow(), StandardCharsets.UTF_8);
        assertThat(csv)
                .contains(
                        "2,line,2026-11-01,aws,anthropic.claude-sonnet-4-5-20250929-v1:0,tokens,",
                        ",1.023,1.023,0,0.00,matched,",
                        ",never_metered,");
    }

    @Test
    void handleRequest_monthGiven_wholeMonth() {
        Map<String, Object> out = handler("2026-12-15T02:00:00Z").handleRequest(Map.of("month", "2026-11"), null);

        assertThat(out).containsEntry("through", "2026-11-30");
        assertThat((List<?>) out.get("warnings")).anySatisfy(w -> assertThat(w.toString())
                .startsWith("aws: the cost data has no day 2026-11-03..2026-11-30"));
    }
}
