package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteCategory;
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
 * README "Waste in the PDF": the board report's waste comes "from the waste detector's findings document for the
 * month (findings/YYYY-MM-DD.json, the run on the next month's 1st ...)", which WasteSummary describes as the run
 * "whose trailing 30 days are the month". The waste Lambda's window is the 30 days before its run's midnight
 * (WasteDetectorHandler: WasteWindow.trailing30Days), so for a 31-day month the run on the next 1st starts on the
 * month's 2nd. A duplicate loop on October 1st (12 identical calls 5 s apart, 11 billed repeats) is in October's usage
 * but in no board report: October's reads findings/2026-11-01.json (Oct 2 - Nov 1), September's
 * findings/2026-10-01.json (Sep 1 - Oct 1).
 */
class ThirtyOneDayMonthWasteReviewTest {
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);
    static final Instant LOOP = Instant.parse("2026-10-01T10:00:00Z");
    static final Clock RUN = Clock.fixed(Instant.parse("2026-11-01T06:00:00Z"), ZoneOffset.UTC);

    @Test
    void report_wasteOnTheFirstOfA31DayMonth_isInThatMonthsBoardReport() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = TestMonth.generate(OCTOBER, 600, 31, 11);
        ModelPrice mini = TestMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        for (int i = 0; i < 12; i++) {
            Instant t = LOOP.plusSeconds(5L * i);
            month.records.add(UsageRecord.builder()
                    .requestId("req-loop-" + i)
                    .tsStart(t)
                    .tsEnd(t.plusMillis(900))
                    .keyId("key-1")
                    .attribution(new Attribution("chatbot", "support", "support-1", "prod", "loop-1", null, null))
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
                    .fingerprints(new Fingerprints(null, null, "h-loop", String.format("%016x", 0x77L)))
                    .build());
        }
        month.writeTo(data);
        WasteAnalyzer analyzer = WasteAnalyzer.create(TestMonth.CATALOG, Governance.NONE, RUN);

        // October itself holds the loop: one pass over the calendar month finds it
        WasteReport calendarMonth = analyzer.analyze(
                data,
                new WasteWindow(
                        OCTOBER.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        OCTOBER.plusMonths(1)
                                .atDay(1)
                                .atStartOfDay(ZoneOffset.UTC)
                                .toInstant()));
        assertThat(calendarMonth.findings())
                .anyMatch(f -> f.category() == WasteCategory.RETRY_WASTE
                        && f.scopeValue().equals("key-1/loop-1"));

        // the waste Lambda's run on November 1st, as WasteDetectorHandler makes it (trailing 30 days, aggregates)
        Instant nov1 = Instant.parse("2026-11-01T00:00:00Z");
        WasteReport run = DayAggregates.create(data, analyzer, TestMonth.CATALOG.version(), 1)
                .analyze(WasteWindow.trailing30Days(nov1))
                .report();
        data.put("findings/2026-11-01.json", WasteReportJson.toBytes(run));

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        RUN)
                .run(OCTOBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        WasteSummary waste = result.figures().waste();
        assertThat(waste.categories())
                .as("October's board report, waste from %s", waste.source())
                .anyMatch(c -> c.name().toLowerCase(java.util.Locale.ROOT).contains("retr")
                        && c.recoverableUsd().compareTo(BigDecimal.ZERO) > 0);
    }
}
