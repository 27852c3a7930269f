package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.Recovery;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A nightly job asks gpt-4o the same short classification 60 times a day (a cache miss, a model mismatch and a
 * batch-tier case on the same calls) through October and until 9 November, then is switched off. Its findings are
 * resolved, and what the board report calls "Recovered / month" must not exceed what the job cost per month: today's
 * change counts each call once in "Recoverable", but the "Recovered" total still adds every resolved finding's full
 * measurement of the same feature.
 */
class RecoveredOnceTest {
    static final ModelPrice GPT_4O = TestMonth.CATALOG.find("openai", "gpt-4o").orElseThrow();
    static final TokenUsage TOKENS = new TokenUsage(400, 0, 0, 0, 20, 0);
    static final LocalDate STOPPED = LocalDate.of(2026, 11, 10);

    @Test
    void run_jobWithOverlappingFindingsSwitchedOff_recoversNoMoreThanItCost() {
        MapObjectStore store = new MapObjectStore();
        TestMonth m = new TestMonth();
        int id = 0;
        for (LocalDate day = LocalDate.of(2026, 10, 1); day.isBefore(STOPPED); day = day.plusDays(1)) {
            Instant t0 = day.atTime(2, 0).toInstant(ZoneOffset.UTC);
            for (int i = 0; i < 60; i++) {
                m.records.add(call("job-" + id++, t0.plusSeconds(120L * i)));
            }
        }
        m.writeTo(store);
        BigDecimal perMonth = GPT_4O.cost(TOKENS).multiply(BigDecimal.valueOf(60L * 30));

        RecoveryTest.report(store, YearMonth.of(2026, 10));
        WasteSummary november =
                RecoveryTest.report(store, YearMonth.of(2026, 11)).figures().waste();

        List<String> lines = november.recovery().stream()
                .map(l -> l.findingId() + " " + l.status() + " " + l.recoveredMonthlyUsd())
                .toList();
        assertThat(november.recovery())
                .as("resolved findings: %s", lines)
                .filteredOn(l -> l.recoveredMonthlyUsd() != null)
                .extracting(Recovery.Line::category)
                .hasSizeGreaterThan(1);
        assertThat(november.totalRecoveredUsd())
                .as("the job cost %s per month; recovery lines %s", perMonth, lines)
                .isLessThanOrEqualTo(perMonth);
    }

    static UsageRecord call(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(700))
                .keyId("key-1")
                .attribution(new Attribution("classify", "ops", null, "prod", "s-" + id, null, "nightly-1"))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(TOKENS)
                .costUsd(GPT_4O.cost(TOKENS))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(TestMonth.CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new UsageRecord.Fingerprints(null, null, "same-question", "0123456789abcdef"))
                .build();
    }
}
