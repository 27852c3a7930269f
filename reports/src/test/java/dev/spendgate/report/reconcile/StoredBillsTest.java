package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconcile job's stored bill lines: what the monthly report reads back must reconcile exactly as imported. */
class StoredBillsTest {
    static MonthlyUsage metered;

    @TempDir
    Path dir;

    final MonthlyReportReconciliationTest.Store store = new MonthlyReportReconciliationTest.Store();

    @BeforeAll
    static void simulate() {
        metered = SimulatedMonth.usage();
    }

    List<ProviderBill> imported() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        f.usage.add(new ProviderFiles.Usage(
                LocalDate.of(2026, 11, 10),
                "openai",
                "gpt-4o-mini-2024-07-18",
                "key_rawteam",
                TokenUsage.openAi(2_000_000, 0, 500_000, 0),
                mini));
        f.extras.add(new ProviderFiles.Extra(
                LocalDate.of(2026, 11, 20), "openai", "file search storage", new BigDecimal("0.10"), null, null));
        f.extras.add(new ProviderFiles.Extra(
                LocalDate.of(2026, 11, 20),
                "anthropic",
                "Claude Sonnet 4.5 Batch Usage",
                new BigDecimal("7.50"),
                "batch",
                "tokens"));
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        return List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
    }

    static Reconciliation reconcile(List<ProviderBill> bills) {
        return Reconciler.create(SimulatedMonth.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, null, bills);
    }

    @Test
    void writeThenRead_simulatedMonth_reconcilesToTheSameLinesAndTotals() throws Exception {
        List<ProviderBill> bills = imported();
        for (ProviderBill b : bills) {
            StoredBills.write(
                    store, SimulatedMonth.MONTH, LocalDate.of(2026, 11, 30), Instant.parse("2026-12-01T05:00:00Z"), b);
        }

        Map<BillSource, ProviderBill> read = StoredBills.read(store, SimulatedMonth.MONTH);

        assertThat(store.list(StoredBills.PREFIX))
                .containsExactly(
                        "reconciliation/bills/2026-11/anthropic.json", "reconciliation/bills/2026-11/openai.json");
        assertThat(read).containsOnlyKeys(BillSource.OPENAI, BillSource.ANTHROPIC);
        assertThat(read.get(BillSource.OPENAI)).isEqualTo(bills.get(0));
        assertThat(read.get(BillSource.ANTHROPIC)).isEqualTo(bills.get(1));
        Reconciliation direct = reconcile(bills);
        Reconciliation stored = reconcile(new ArrayList<>(read.values()));
        assertThat(stored.lines()).isEqualTo(direct.lines());
        assertThat(stored.totals()).isEqualTo(direct.totals());
        assertThat(stored.totals().get(BillSource.OPENAI).notSeenUsd()).isEqualByComparingTo("0.60");
        String json =
                new String(store.get("reconciliation/bills/2026-11/openai.json").orElseThrow(), StandardCharsets.UTF_8);
        assertThat(json)
                .contains("\"schema_version\" : 1")
                .contains("\"unmetered_item\" : \"storage\"")
                .contains("\"cost_usd\" : \"0.1\"");
    }

    @Test
    void read_otherSchemaVersion_errorNamesTheObjectAndTheVersion() {
        store.put("reconciliation/bills/2026-11/openai.json", """
                {"schema_version": 2, "source": "openai", "charges": []}""".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> StoredBills.read(store, SimulatedMonth.MONTH))
                .isInstanceOf(BillFormatException.class)
                .hasMessageContaining("reconciliation/bills/2026-11/openai.json")
                .hasMessageContaining("schema_version 2 is not supported");
    }

    @Test
    void read_costNotADecimal_errorNamesTheChargeAndField() {
        store.put("reconciliation/bills/2026-11/aws.json", """
                {"schema_version": 1, "source": "aws", "cost_days": ["2026-11-01"], "usage_days": [],
                 "warnings": [], "usage": [],
                 "charges": [{"day": "2026-11-01", "unmetered_item": "storage", "cost_usd": "1,5"}]}""".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> StoredBills.read(store, SimulatedMonth.MONTH))
                .isInstanceOf(BillFormatException.class)
                .hasMessageContaining("charges[0].cost_usd '1,5' is not a decimal amount");
    }
}
