package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cost per outcome in December's board report when the outcome is posted just after November ended, driven through
 * {@link MonthlyReport#run} over a data store holding usage objects and outcomes as the gateway writes them.
 *
 * <p>README "Outcomes and cost per outcome": the named sessions' calls "are looked up in the outcome's month and the
 * month before ... so a ticket resolved at 00:03 on the 1st is charged with its chat of the evening before"; fully
 * loaded is "all the month's spend of the features the outcome's sessions and requests used (failed sessions
 * included)", and the success rate is "distinct sessions that produced the outcome / distinct sessions of those
 * features". The printed definition: "Fully loaded cost per outcome = all spend of the features that produced the
 * outcome (every session, successful or not)". So fully loaded holds the attributed spend and more, and the success
 * rate counts the successful session among the sessions it is a share of.
 *
 * <p>The support bot's chat s-77 runs 23:40-23:58 on November 30th (10 calls) and is resolved at 00:03 on December
 * 1st. In December the bot has one more chat, s-78 (one call), which resolves nothing.
 */
class OutcomeAcrossMonthEndReviewTest {

    @Test
    void report_outcomeJustAfterTheMonthEnd_successRateCountsItsSessionAmongTheFeaturesSessions() {
        MapObjectStore data = lateTicket();

        MonthlyFigures.OutcomeCost o = december(data);

        // numerator: s-77 (its calls found in November); denominator: December's sessions of support-chat, s-78 only;
        // 1 / 1 is 100 %, though the one session of December resolved nothing
        assertThat(o.successRatePercent())
                .as("success rate of ticket_resolved: s-77 produced it, s-78 did not")
                .isNotNull()
                .isEqualByComparingTo("50.0");
    }

    @Test
    void report_outcomeJustAfterTheMonthEnd_fullyLoadedIsNotBelowAttributed() {
        MapObjectStore data = lateTicket();

        MonthlyFigures.OutcomeCost o = december(data);

        // attributed = s-77's 10 calls (November), fully loaded = December's support-chat spend = s-78's 1 call
        assertThat(o.fullyLoadedCostUsd())
                .as("fully loaded (every session, successful or not) against attributed %s", o.costUsd())
                .isNotNull()
                .isGreaterThanOrEqualTo(o.costUsd());
        assertThat(o.fullyLoadedPerOutcomeUsd()).isGreaterThanOrEqualTo(o.costPerOutcomeUsd());
    }

    static MapObjectStore lateTicket() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-30T23:40:00Z");
        for (int i = 0; i < 10; i++) {
            month.records.add(call(
                    "req-late-" + i,
                    t.plusSeconds(100L * i),
                    "key-support",
                    "support-chat",
                    "support",
                    "s-77",
                    6_000,
                    500));
        }
        month.records.add(call(
                "req-dec",
                Instant.parse("2026-12-02T09:00:00Z"),
                "key-support",
                "support-chat",
                "support",
                "s-78",
                1_000,
                100));
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(
                        Instant.parse("2026-12-01T00:03:00Z"), "s-77", null, "ticket_resolved", 1, "key-support"));
        return data;
    }

    static MonthlyFigures.OutcomeCost december(MapObjectStore data) {
        MonthlyReport.Result december = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2027-01-01T06:00:00Z"), ZoneOffset.UTC))
                .run(
                        YearMonth.of(2026, 12),
                        MonthlyUsageSource.fromLog(data),
                        data,
                        new MapObjectStore(),
                        "",
                        null,
                        false);
        assertThat(december.figures().outcomes()).hasSize(1);
        MonthlyFigures.OutcomeCost o = december.figures().outcomes().get(0);
        assertThat(o.costUsd()).as("attributed: s-77's calls").isGreaterThan(BigDecimal.ZERO);
        return o;
    }
}
