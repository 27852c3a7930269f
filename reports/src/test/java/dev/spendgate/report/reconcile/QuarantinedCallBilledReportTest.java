package dev.spendgate.report.reconcile;

import static dev.spendgate.report.reconcile.QuarantinedCallBilledReviewTest.call;
import static dev.spendgate.report.reconcile.QuarantinedCallBilledReviewTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.Chargeback;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.MonthlyReport;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QuarantinedCallBilledReviewTest's month (three gpt-4o-mini calls at $0.21, OpenAI billing $0.63, one record claiming
 * $999,995.00 quarantined), read on the PDF's first page and in chargeback.csv: the $0.21 the gateway did not meter
 * is not called traffic around it, and the quarantined record is named beside it; a month without quarantined
 * records keeps the plain wording.
 */
class QuarantinedCallBilledReportTest {
    @TempDir
    Path dir;

    @Test
    void run_quarantinedCallBilled_pdfAndChargebackSayTheNotSeenAmountMayHoldIt() throws Exception {
        MonthlyReport.Result result = run(new BigDecimal("999995"));
        String pdf = pdfText().replaceAll("\\s+", " ");

        assertThat(pdf)
                .contains("Of that, $0.21 is in no metered figure")
                .contains("calls the gateway forwarded whose records the report quarantined (1 records with")
                .doesNotContain("never went through the gateway");
        Chargeback.Line notSeen = result.chargeback().suspense().stream()
                .filter(l -> l.note().contains("not_seen_by_gateway"))
                .findFirst()
                .orElseThrow();
        assertThat(notSeen.amountUsd()).isEqualByComparingTo("0.21");
        assertThat(notSeen.note()).contains("may include calls of the 1 quarantined record (left out of every total)");
    }

    @Test
    void run_noRecordQuarantined_notSeenIsTrafficAroundTheGateway() throws Exception {
        MonthlyReport.Result result = run(null);
        String pdf = pdfText().replaceAll("\\s+", " ");

        assertThat(result.quality().quarantinedCount()).isZero();
        assertThat(pdf).contains("Of that, $0.00 never went through the gateway");
        assertThat(result.chargeback().suspense())
                .allSatisfy(l -> assertThat(l.note()).doesNotContain("quarantined"));
    }

    private MonthlyReportReconciliationTest.Store out;

    /** The month, its third call recorded at {@code thirdCost} (null: its catalog cost). */
    private MonthlyReport.Result run(BigDecimal thirdCost) throws Exception {
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
        write(data, List.of(asBilled.get(0), asBilled.get(1), call("c-3", t.plusSeconds(120), thirdCost)));
        out = new MonthlyReportReconciliationTest.Store();
        return MonthlyReport.create(
                        new MonthlyReport.Settings(SimulatedMonth.CATALOG, SimulatedMonth.CATALOG, null, null, null),
                        Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC))
                .withProviderBills(new ProviderBills(bills, null, MonthlyReportReconciliationTest.GATEWAY_ACCOUNTS))
                .run(SimulatedMonth.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
    }

    private String pdfText() throws Exception {
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            return new PDFTextStripper().getText(doc);
        }
    }
}
