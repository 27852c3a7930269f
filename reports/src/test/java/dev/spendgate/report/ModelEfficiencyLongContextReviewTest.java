package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README "Finance reports": "Model efficiency prices each model's input side (uncached, cached, cache-write tokens) and
 * output side at catalog prices, per million tokens of that side." Anthropic prices a request above 200,000 input
 * tokens at the long-context rates (Sonnet 4.5: $6 / $22.50 per million instead of $3 / $15; the bundled catalog's
 * long_context, from docs.anthropic.com pricing) - per request. 100 ordinary Sonnet 4.5 calls of 3,000 input and 200
 * output tokens on one day cost $1.20, every one at the standard rates. The board's model-efficiency row prices the
 * day's summed tokens (300,000 input) as if one request: $2.25 at long-context rates, less the output at the standard
 * rate ($0.30), leaves an input side of $1.95 ($6.50 per million); the sides add up to $2.25, not the $1.20 the same
 * row says the model cost.
 */
class ModelEfficiencyLongContextReviewTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

    @Test
    void report_manyShortSonnetCalls_modelEfficiencySidesAreAtTheStandardRatesAndSumToTheCost() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant day = Instant.parse("2026-11-10T09:00:00Z");
        for (int i = 0; i < 100; i++) {
            month.records.add(TestMonth.record(
                    "req-sonnet-" + i,
                    day.plusSeconds(60L * i),
                    "anthropic",
                    "claude-sonnet-4-5-20250929",
                    TokenUsage.anthropic(3_000, 0, 0, 0, 200),
                    "support",
                    "support-1",
                    "chatbot",
                    "s-" + i));
        }
        month.writeTo(data);

        MonthlyReport.Result result = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        MonthlyFigures.ModelEfficiency sonnet = result.figures().models().stream()
                .filter(m -> m.model().startsWith("claude-sonnet-4-5"))
                .findFirst()
                .orElseThrow();
        // 300,000 input tokens at $3 and 20,000 output tokens at $15 per million
        assertThat(sonnet.costUsd()).isEqualByComparingTo("1.2");
        assertThat(sonnet.inputPerMillionUsd()).as("input side per million").isEqualByComparingTo("3");
        assertThat(sonnet.outputPerMillionUsd()).as("output side per million").isEqualByComparingTo("15");
        assertThat(sonnet.inputCostUsd().add(sonnet.outputCostUsd()))
                .as("input side + output side vs the row's cost")
                .isEqualByComparingTo(sonnet.costUsd());
    }
}
