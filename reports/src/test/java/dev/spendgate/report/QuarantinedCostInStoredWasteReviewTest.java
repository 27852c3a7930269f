package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteReportJson;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README "Data quality": a record whose cost_usd is implausible "is quarantined, counted and left out of every figure
 * (headline, FOCUS, chargeback, waste, cost per outcome)", and the summary line says "left out of every total". In
 * AWS the board's waste section comes from the waste Lambda's stored findings document (README "Waste in the PDF"),
 * and the waste detector never checks costs: four identical calls of one session, each recorded at an implausible
 * $250,000 for 900 gpt-4o-mini tokens, become a retry_waste finding of $750,000 in the window that the November board
 * report shows as recoverable, while its data-quality line says those records were quarantined and left out.
 */
class QuarantinedCostInStoredWasteReviewTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);
    static final Clock RUN = Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC);

    @Test
    void report_storedFindingsOverQuarantinedRecords_boardWasteLeavesThemOut() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = TestMonth.generate(NOVEMBER, 600, 30, 5);
        Instant loop = Instant.parse("2026-11-10T10:00:00Z");
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        for (int i = 0; i < 4; i++) {
            Instant t = loop.plusSeconds(5L * i);
            month.records.add(UsageRecord.builder()
                    .requestId("req-bad-" + i)
                    .tsStart(t)
                    .tsEnd(t.plusMillis(900))
                    .keyId("key-1")
                    .attribution(new Attribution("chatbot", "support", "support-1", "prod", "bad-1", null, null))
                    .provider("openai")
                    .endpoint("/v1/chat/completions")
                    .modelRequested("gpt-4o-mini")
                    .modelServed("gpt-4o-mini")
                    .statusCode(200)
                    .tokens(tokens)
                    .costUsd(new BigDecimal("250000"))
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .pricingVersion(TestMonth.CATALOG.version())
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .fingerprints(new Fingerprints(null, null, "h-bad", String.format("%016x", 0x99L)))
                    .build());
        }
        month.writeTo(data);
        // the waste Lambda's run on December 1st (WasteDetectorHandler: trailing 30 days from day aggregates)
        WasteReport run = DayAggregates.create(
                        data,
                        WasteAnalyzer.create(TestMonth.CATALOG, Governance.NONE, RUN),
                        TestMonth.CATALOG.version(),
                        1)
                .analyze(WasteWindow.trailing30Days(Instant.parse("2026-12-01T00:00:00Z")))
                .report();
        data.put("findings/2026-12-01.json", WasteReportJson.toBytes(run));

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        RUN)
                .run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        // the report itself quarantined the four records and says they are left out of every total
        assertThat(result.quality().quarantinedCount()).isEqualTo(4);
        assertThat(result.quality().summaryLine()).contains("left out of every total");
        WasteSummary waste = result.figures().waste();
        BigDecimal recoverable = waste.categories().stream()
                .map(WasteSummary.Category::recoverableUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        // the month's whole included spend is a few dollars: no category can recover more than it
        assertThat(recoverable)
                .as(
                        "board waste recoverable (from %s), month's included spend %s",
                        waste.source(), result.figures().totalUsd())
                .isLessThanOrEqualTo(result.figures().totalUsd());
    }
}
