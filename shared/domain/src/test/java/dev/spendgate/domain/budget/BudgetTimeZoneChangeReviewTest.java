package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An operator changes a running budget's time zone (`budgets set ... --time-zone`, admin API {@code time_zone}) the
 * way the CLI and the admin API store it: {@code policy.replacing(previous, now)}.
 */
class BudgetTimeZoneChangeReviewTest {
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private static BudgetPolicy daily(ZoneId zone) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.DAILY,
                new BigDecimal("1.00"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                zone);
    }

    @Test
    void timeZoneChanged_spendOfTheNewZonesCurrentDayStillCounts() {
        Instant spentAt = Instant.parse("2026-12-05T20:00:00Z"); // 2026-12-06 05:00 in Tokyo
        Instant later = Instant.parse("2026-12-05T20:05:00Z"); // 2026-12-06 05:05 in Tokyo, same Tokyo day
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        InMemoryReservationJournal journal = InMemoryReservationJournal.create();
        InMemoryOnceMarker marker = InMemoryOnceMarker.create(Clock.fixed(spentAt, ZoneOffset.UTC));
        RecordingAlertSink alerts = new RecordingAlertSink();
        InMemoryBudgetPolicyStore store = InMemoryBudgetPolicyStore.of(daily(ZoneOffset.UTC));

        try (BudgetEnforcer before = new BudgetEnforcer(
                store, ledger, marker, alerts, journal, Duration.ofMinutes(15), Clock.fixed(spentAt, ZoneOffset.UTC))) {
            BudgetDecision first =
                    before.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("1.00")), m -> List.of());
            assertThat(first.allowed()).isTrue();
            before.settle(first, new BigDecimal("1.00")); // the whole $1 daily limit spent at 05:00 Tokyo time
        }

        // The operator moves the budget to Tokyo time, as BudgetsCommand.Set and AdminApi.put store it.
        BudgetPolicy previous = store.find("feature:chatbot/daily").orElseThrow();
        store.put(daily(ZoneId.of("Asia/Tokyo")).replacing(previous, spentAt.plusSeconds(60)));

        try (BudgetEnforcer after = new BudgetEnforcer(
                store, ledger, marker, alerts, journal, Duration.ofMinutes(15), Clock.fixed(later, ZoneOffset.UTC))) {
            BudgetDecision next =
                    after.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("0.50")), m -> List.of());

            // $1.00 of the $1.00 daily limit was already spent within this Tokyo day (at 05:00): a $0.50 call must
            // be refused, or the budget admits $2 in one day.
            assertThat(next.outcome()).isEqualTo(BudgetDecision.Outcome.BLOCK);
        }
    }
}
