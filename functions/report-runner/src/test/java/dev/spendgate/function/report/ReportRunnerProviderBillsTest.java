package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileMetricSink;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.reconcile.AdminApiClient;
import dev.spendgate.report.reconcile.ReconcileRun;
import dev.spendgate.report.reconcile.StoredBills;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily reconcile job and the monthly report function in one month, on the embedded (file-system) stores: the
 * report in AWS carries the reconciliation with the bill lines the job stored, and the job's metrics.
 */
class ReportRunnerProviderBillsTest {
    static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    @TempDir
    Path dir;

    FileSystemObjectStore data;
    FileSystemObjectStore exports;
    FileMetricSink metrics;
    BigDecimal metered;

    @BeforeEach
    void month() throws Exception {
        data = new FileSystemObjectStore(dir.resolve("data"));
        exports = new FileSystemObjectStore(dir.resolve("exports"));
        metrics = new FileMetricSink(dir.resolve("metrics.ndjson"));
        // two Bedrock calls on 1 November, exactly what the CUR sample bills as tokens for that day ($1.023)
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        BigDecimal cost =
                PricingCatalog.bundled().find("bedrock", MODEL).orElseThrow().cost(tokens);
        metered = cost.add(cost);
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
        exports.put(
                "cur/spendgate/data/BILLING_PERIOD=2026-11/spendgate-00001.csv",
                getClass().getResourceAsStream("/aws-cur2-bedrock.csv").readAllBytes());
    }

    Map<String, Object> reconcileJob(String now) {
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
                        BigDecimal.valueOf(2))
                .withMetrics(metrics, clock);
        return new ReconcileRunnerHandler(run, clock).handleRequest(Map.of(), null);
    }

    Map<String, Object> monthlyReport(boolean providerBills) {
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of(
                "SPENDGATE_USAGE_BUCKET",
                "unused-in-test",
                "SPENDGATE_REPORT_PROVIDER_BILLS",
                Boolean.toString(providerBills)));
        return new ReportRunnerHandler(
                        data,
                        config,
                        null,
                        List::of,
                        null,
                        key -> "https://example.test/" + key,
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .handleRequest(Map.of(), null);
    }

    static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(Object::toString).toList();
    }

    String pdfText() throws Exception {
        try (PDDocument doc =
                Loader.loadPDF(data.get("reports/2026-11/" + MonthlyReport.PDF).orElseThrow())) {
            return new PDFTextStripper().getText(doc);
        }
    }

    List<CSVRecord> focusRows() throws Exception {
        String csv =
                new String(data.get("reports/2026-11/" + MonthlyReport.FOCUS).orElseThrow(), StandardCharsets.UTF_8);
        return CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(csv))
                .getRecords();
    }

    @Test
    void handleRequest_afterTheDailyJobStoredTheAwsBill_pdfFocusAndCsvCarryTheReconciliation() throws Exception {
        Map<String, Object> job = reconcileJob("2026-12-01T05:00:00Z");
        assertThat(job).containsEntry("month", "2026-11").containsEntry("through", "2026-11-30");
        assertThat(data.list(StoredBills.PREFIX)).containsExactly("reconciliation/bills/2026-11/aws.json");

        Map<String, Object> out = monthlyReport(true);

        // the CUR sample bills $2.793 for Bedrock: $1.023 of tokens the gateway metered, $1.65 batch and $0.12 tax
        assertThat(metered).isEqualByComparingTo("1.023");
        assertThat(new BigDecimal((String) out.get("provider_bill_usd"))).isEqualByComparingTo("1.77");
        assertThat(strings(out.get("reconciliation")))
                .containsExactly(
                        "openai: no bill data (" + ReportRunnerHandler.NOT_STORED + ")",
                        "anthropic: no bill data (" + ReportRunnerHandler.NOT_STORED + ")",
                        // the CUR sample covers 1 and 2 November; nothing was metered on the days it lacks
                        "aws: $2.79 billed, matched within 0.0 %; $1.77 not metered by the gateway (through"
                                + " 2026-11-30); no provider data for 2026-11-03..2026-11-30");
        assertThat(pdfText())
                .contains("Total with provider bills: $2.79 = $1.02 metered by the gateway + $1.77 billed by"
                        + " providers beyond it")
                .contains("aws: $2.79 billed, matched within 0.0 %; $1.77 not metered by the gateway")
                .contains("openai: no bill data (none stored by the reconcile job")
                .contains("anthropic: no bill data")
                .contains("Reconciliation with provider bills");
        List<CSVRecord> billRows = focusRows().stream()
                .filter(r -> r.get("Tags").contains("\"x_CostSource\":\"provider_bill\""))
                .toList();
        assertThat(billRows).isNotEmpty().allSatisfy(r -> assertThat(r.get("ProviderName"))
                .isEqualTo("Amazon Web Services"));
        assertThat(billRows.stream()
                        .map(r -> new BigDecimal(r.get("BilledCost")))
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("1.77");
        assertThat(data.get("reports/2026-11/reconciliation.csv")).isPresent();
    }

    @Test
    void handleRequest_dailyJob_publishesTheUnexplainedDifferencePerReconciledProvider() {
        reconcileJob("2026-12-01T05:00:00Z");

        List<Map<String, Object>> lines = metrics.read();
        assertThat(lines)
                .extracting(l -> l.get("name"), l -> l.get("dimensions"), l -> l.get("unit"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                ReconcileRun.UNEXPLAINED_PERCENT, Map.of("Provider", "aws"), "Percent"),
                        org.assertj.core.groups.Tuple.tuple(
                                ReconcileRun.UNEXPLAINED_USD, Map.of("Provider", "aws"), "None"));
        // the CUR sample's token lines match the metered calls exactly: nothing unexplained
        assertThat(lines).allSatisfy(l -> assertThat(new BigDecimal((String) l.get("value")))
                .isZero());
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.get("namespace")).isEqualTo("Spendgate");
            assertThat(l.get("timestamp")).isEqualTo("2026-12-01T05:00:00Z");
        });
    }

    @Test
    void handleRequest_providerBillsOnButNothingStored_pdfStatesNoBillDataForEveryProvider() throws Exception {
        Map<String, Object> out = monthlyReport(true);

        assertThat(pdfText())
                .contains("Reconciliation with provider bills: no bill data for any provider")
                .contains("aws: no bill data (none stored by the reconcile job");
        assertThat(new BigDecimal((String) out.get("provider_bill_usd"))).isZero();
        assertThat(data.get("reports/2026-11/reconciliation.csv")).isEmpty();
    }

    @Test
    void handleRequest_exportIsParquet_awsSkippedWithTheReasonAndNoBillStored() {
        FileSystemObjectStore parquetOnly = new FileSystemObjectStore(dir.resolve("parquet-exports"));
        parquetOnly.put(
                "cur/spendgate/data/BILLING_PERIOD=2026-11/spendgate-00001.snappy.parquet",
                new byte[] {'P', 'A', 'R', '1', 0, 0, 0, 0, 'P', 'A', 'R', '1'});
        exports = parquetOnly;

        Map<String, Object> job = reconcileJob("2026-12-01T05:00:00Z");

        assertThat(strings(job.get("skipped"))).anySatisfy(s -> assertThat(s)
                .startsWith("aws: the export under cur/ is Parquet (1 objects for 2026-11)")
                .contains("text/csv"));
        assertThat(data.list(StoredBills.PREFIX)).isEmpty();
        assertThat(metrics.read()).isEmpty();
    }

    @Test
    void handleRequest_providerBillsOff_reportAsBeforeWithoutReconciliation() throws Exception {
        reconcileJob("2026-12-01T05:00:00Z");

        Map<String, Object> out = monthlyReport(false);

        assertThat(out).doesNotContainKey("reconciliation");
        assertThat(pdfText()).doesNotContain("provider bills").doesNotContain("no bill data");
    }
}
