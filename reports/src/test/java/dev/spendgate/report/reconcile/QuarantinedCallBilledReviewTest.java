package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.MonthlyReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * November through the gateway: three gpt-4o-mini calls of 1M input and 100k output tokens ($0.21 each), one of them
 * recorded with cost_usd 999995 (a corrupt record), which the monthly report quarantines and leaves out of every figure.
 * OpenAI bills all three, $0.63. The same month's reconciliation by the AWS reconcile job (ReconcileRun) names the
 * record left out in its {@code total} row's {@code data_quality} ("Left out: 1 record with an implausible cost ..., in
 * no metered figure, as the monthly report quarantines them"), README "Reconciliation with provider bills". The
 * monthly report's own reconciliation.csv, emailed to finance, says nothing of it: the quarantined call's $0.21 is a
 * {@code not_seen_by_gateway} line, and the PDF says it "never went through the gateway (traffic around it, ...)",
 * though the gateway forwarded and recorded it.
 */
class QuarantinedCallBilledReviewTest {
    static final String MODEL = "gpt-4o-mini";

    @TempDir
    Path dir;

    static UsageRecord call(String id, Instant t, BigDecimal cost) {
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 100_000, 0);
        ModelPrice price = SimulatedMonth.CATALOG.find("openai", MODEL).orElseThrow();
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", "support", "support-1", "prod", "s-" + id, null, null))
                .provider("openai")
                .endpoint("/v1/chat/completions")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost == null ? price.cost(tokens) : cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(SimulatedMonth.CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    static void write(ObjectStore store, List<UsageRecord> records) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (UsageRecord r : records) {
                UsageRecordCodec.write(r, gz);
            }
        }
        store.put(UsageLayout.hourPrefix(records.get(0).tsStart()) + "part-0.ndjson.gz", bytes.toByteArray());
    }

    @Test
    void run_quarantinedCallBilledByProvider_reconciliationSaysItWasLeftOut() throws Exception {
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        List<UsageRecord> asBilled = List.of(
                call("c-1", t, null), call("c-2", t.plusSeconds(60), null), call("c-3", t.plusSeconds(120), null));
        MonthlyReportReconciliationTest.Store truth = new MonthlyReportReconciliationTest.Store();
        write(truth, asBilled);
        MonthlyUsage billedTraffic = MonthlyUsageSource.fromLog(truth)
                .load(SimulatedMonth.MONTH, Set.of(), Set.of(), r -> {}, CostCheck.against(SimulatedMonth.CATALOG));
        ProviderFiles f = ProviderFiles.of(billedTraffic, SimulatedMonth.CATALOG);
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)));

        MonthlyReportReconciliationTest.Store data = new MonthlyReportReconciliationTest.Store();
        write(
                data,
                List.of(asBilled.get(0), asBilled.get(1), call("c-3", t.plusSeconds(120), new BigDecimal("999995"))));
        MonthlyReportReconciliationTest.Store out = new MonthlyReportReconciliationTest.Store();
        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(SimulatedMonth.CATALOG, SimulatedMonth.CATALOG, null, null, null),
                        Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC))
                .withProviderBills(new ProviderBills(bills, null, MonthlyReportReconciliationTest.GATEWAY_ACCOUNTS))
                .run(SimulatedMonth.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        assertThat(result.quality().quarantinedCount()).isEqualTo(1);
        assertThat(result.figures().totalUsd()).isEqualByComparingTo("0.42");
        assertThat(result.providerBillRowsUsd()).isEqualByComparingTo("0.21");
        List<CSVRecord> rows;
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new InputStreamReader(
                        new ByteArrayInputStream(
                                out.get(ReconciliationCsv.FILE_NAME).orElseThrow()),
                        StandardCharsets.UTF_8))) {
            rows = p.getRecords();
        }
        CSVRecord total = rows.stream()
                .filter(r -> r.get("row_type").equals("total"))
                .findFirst()
                .orElseThrow();
        assertThat(total.get("data_quality"))
                .as("the report's reconciliation.csv total row, as the reconcile job's names the record left out of"
                        + " the metered side (its $0.21 is in not_seen_usd: "
                        + total.get("not_seen_usd") + ")")
                .contains("Left out");
    }
}
