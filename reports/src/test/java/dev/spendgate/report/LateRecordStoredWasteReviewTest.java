package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteReportJson;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A late usage object (README "At scale": "a late object, for example a spool replay") for November 20th lands after
 * the waste Lambda's run of December 1st. The run of December 2nd rebuilds that day's aggregate and finds the late
 * duplicate loop; the November report, re-run on December 2nd (README: a scheduler input with the month re-runs it),
 * counts the loop's cost in its headline but still takes its waste from findings/2026-12-01.json, built before the
 * late object: the loop's retry waste is never in November's board report, however often it is re-run.
 */
class LateRecordStoredWasteReviewTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    @Test
    void report_rerunAfterALateObject_boardWasteCountsTheLateRecords() {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(NOVEMBER, 600, 30, 9).writeTo(data);
        // the waste Lambda on December 1st, as WasteDetectorHandler runs it
        runWasteLambda(data, Instant.parse("2026-12-01T00:00:00Z"));

        // a spool replay on December 1st, after that run: a duplicate loop of November 20th
        ModelPrice mini = TestMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        Instant loop = Instant.parse("2026-11-20T10:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BigDecimal loopCost = BigDecimal.ZERO;
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 12; i++) {
                Instant t = loop.plusSeconds(5L * i);
                UsageRecord r = UsageRecord.builder()
                        .requestId("req-late-" + i)
                        .tsStart(t)
                        .tsEnd(t.plusMillis(900))
                        .keyId("key-1")
                        .attribution(new Attribution("chatbot", "support", "support-1", "prod", "late-1", null, null))
                        .provider("openai")
                        .endpoint("/v1/chat/completions")
                        .modelRequested("gpt-4o-mini")
                        .modelServed("gpt-4o-mini")
                        .statusCode(200)
                        .tokens(tokens)
                        .costUsd(mini.cost(tokens))
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .pricingVersion(TestMonth.CATALOG.version())
                        .usageSource(UsageRecord.UsageSource.PROVIDER)
                        .fingerprints(new Fingerprints(null, null, "h-late", String.format("%016x", 0x55L)))
                        .build();
                loopCost = loopCost.add(r.costUsd());
                UsageRecordCodec.write(r, gz);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        data.put(UsageLayout.hourPrefix(loop) + "part-late-replay.ndjson.gz", bytes.toByteArray());
        // the next daily run rebuilds November 20th and finds the loop
        WasteReport dec2 = runWasteLambda(data, Instant.parse("2026-12-02T00:00:00Z"));
        assertThat(dec2.findings())
                .anyMatch(f -> f.category() == WasteCategory.RETRY_WASTE
                        && f.scopeValue().equals("key-1/late-1"));

        Clock rerun = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC);
        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        rerun)
                .run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        WasteSummary waste = result.figures().waste();
        assertThat(waste.categories())
                .as(
                        "November's re-run board report (headline %s includes the late loop's %s), waste from %s",
                        result.figures().totalUsd(), loopCost, waste.source())
                .anyMatch(c -> c.name().toLowerCase(Locale.ROOT).contains("retr")
                        && c.recoverableUsd().signum() > 0);
    }

    private static WasteReport runWasteLambda(MapObjectStore data, Instant midnight) {
        Clock at = Clock.fixed(midnight.plusSeconds(3 * 3600), ZoneOffset.UTC);
        WasteReport report = DayAggregates.create(
                        data,
                        WasteAnalyzer.create(TestMonth.CATALOG, Governance.NONE, at),
                        TestMonth.CATALOG.version(),
                        1)
                .analyze(WasteWindow.trailing30Days(midnight))
                .report();
        data.put(
                "findings/" + midnight.atZone(ZoneOffset.UTC).toLocalDate() + ".json", WasteReportJson.toBytes(report));
        return report;
    }
}
