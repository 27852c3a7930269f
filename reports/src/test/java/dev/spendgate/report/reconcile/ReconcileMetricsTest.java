package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.metric.MetricSink;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconcile job's metrics: what the CloudWatch alarm compares with its threshold. */
class ReconcileMetricsTest {
    @TempDir
    Path dir;

    @Test
    void datapoints_costsWithoutUsageReport_unexplainedUsdAndPercentPerProvider() throws Exception {
        // a raw-key team's $0.60 and no usage report: the difference cannot be explained, so it is unexplained
        ProviderFiles f = ProviderFiles.of(SimulatedMonth.usage(), SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        f.usage.add(new ProviderFiles.Usage(
                LocalDate.of(2026, 11, 10),
                "openai",
                "gpt-4o-mini-2024-07-18",
                "key_rawteam",
                TokenUsage.openAi(2_000_000, 0, 500_000, 0),
                mini));
        Path costs = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Reconciliation r = Reconciler.create(SimulatedMonth.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(SimulatedMonth.usage(), null, List.of(OpenAiBill.read(List.of(costs))));
        Reconciliation.Totals openAi = r.totals().values().iterator().next();

        List<MetricSink.Datapoint> points = ReconcileRun.datapoints(r, Instant.parse("2026-12-01T05:00:00Z"));

        assertThat(points).hasSize(2);
        MetricSink.Datapoint usd = points.get(1);
        assertThat(usd.name()).isEqualTo(ReconcileRun.UNEXPLAINED_USD);
        assertThat(usd.dimensions()).isEqualTo(Map.of("Provider", "openai"));
        assertThat(usd.value()).isEqualByComparingTo("0.60");
        MetricSink.Datapoint pct = points.get(0);
        assertThat(pct.name()).isEqualTo(ReconcileRun.UNEXPLAINED_PERCENT);
        assertThat(pct.unit()).isEqualTo(MetricSink.Unit.PERCENT);
        assertThat(pct.value())
                .isPositive()
                .isEqualByComparingTo(new java.math.BigDecimal("0.60")
                        .multiply(java.math.BigDecimal.valueOf(100))
                        .divide(openAi.billedUsd(), 2, java.math.RoundingMode.HALF_UP));
    }
}
