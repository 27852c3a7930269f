package dev.spendgate.report;

import static dev.spendgate.report.OutcomeCostReviewTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Fully loaded cost per outcome when another Spendgate key's calls carry the same feature name.
 *
 * <p>README "Outcomes and cost per outcome": "An outcome counts only the calls of the Spendgate key that posted it (its
 * {@code key_id}): session ids are the clients' own, so another key's {@code s-1} is another session", and the success
 * rate counts "each key's sessions its own on both sides". Feature names are the clients' own too
 * ({@code X-Cost-Feature}): support's bot and sales' assistant both calling theirs {@code chat} is ordinary. Support
 * posts its resolved tickets with its own key; sales posts no outcome at all.
 */
class OutcomeFeatureOfAnotherKeyReviewTest {

    @Test
    void report_fullyLoaded_countsOnlyTheCallsOfTheKeyThatPostedTheOutcome() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        // support (key-support): two chats, s-1 resolved a ticket, s-2 did not
        month.records.add(call("req-support-1", t, "key-support", "chat", "support", "s-1", 2_000, 200));
        month.records.add(
                call("req-support-2", t.plusSeconds(60), "key-support", "chat", "support", "s-2", 2_000, 200));
        // sales (key-sales): 50 sessions of its own "chat" on gpt-4o
        for (int i = 0; i < 50; i++) {
            month.records.add(call(
                    "req-sales-" + i,
                    t.plusSeconds(120L + i),
                    "key-sales",
                    "chat",
                    "sales",
                    "lead-" + i,
                    50_000,
                    4_000));
        }
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(t.plusSeconds(300), "s-1", null, "ticket_resolved", 1, "key-support"));
        BigDecimal support =
                month.records.get(0).costUsd().add(month.records.get(1).costUsd());

        MonthlyReport.Result result = OutcomeCostReviewTest.report()
                .run(
                        OutcomeCostReviewTest.NOVEMBER,
                        MonthlyUsageSource.fromLog(data),
                        data,
                        new MapObjectStore(),
                        "",
                        null,
                        false);

        MonthlyFigures.OutcomeCost o = result.figures().outcomes().get(0);
        assertThat(o.features()).containsExactly("chat");
        // prints sales' 50 gpt-4o sessions in support's fully loaded cost and success rate (1 of 52 sessions)
        assertThat(o.fullyLoadedCostUsd())
                .as("fully loaded cost of support's ticket: support's chat spend (%s USD)", support)
                .isEqualByComparingTo(support);
        assertThat(o.successRatePercent())
                .as("success rate: 1 of support's 2 chat sessions")
                .isEqualByComparingTo("50.0");
    }
}
