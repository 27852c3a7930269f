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
 * Review (session 22, budgets round two): a daily budget moved to a zone behind its old one (Tokyo to UTC), stored as
 * the CLI and the admin API store it ({@code policy.replacing(previous, now)}), so the change waits for the end of the
 * Tokyo day. Items are keyed by the period's date alone, without the zone: the UTC day that starts counting then
 * (2026-12-06, from 15:00 UTC) has the same key as the Tokyo day that just ended, so it starts with all of that day's
 * spend, though none of it was spent on that UTC day.
 */
class BudgetZoneChangeWestwardReviewTest {
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

    private static BudgetEnforcer enforcer(
            InMemoryBudgetPolicyStore store,
            InMemoryBudgetLedger ledger,
            InMemoryReservationJournal journal,
            Instant at) {
        Clock clock = Clock.fixed(at, ZoneOffset.UTC);
        return new BudgetEnforcer(
                store,
                ledger,
                InMemoryOnceMarker.create(clock),
                new RecordingAlertSink(),
                journal,
                Duration.ofMinutes(15),
                clock);
    }

    /**
     * $1.00 daily limit in Tokyo, all of it spent at 2026-12-05T16:00Z (01:00 on the Tokyo day 2026-12-06). The
     * operator moves the budget to UTC at 17:00Z; it takes effect when that Tokyo day ends, 2026-12-06T15:00Z. At
     * 15:30Z on the UTC day 2026-12-06 nothing has been spent on that day: README "Budgets" says the new zone's period
     * running when the old zone's ends "starts empty", so a $0.50 call fits. Today it is refused (429 to the client)
     * with $1.00 spent shown, and every call of the budget is refused until UTC midnight, 8.5 hours later.
     */
    @Test
    void zoneMovedWestward_newZonesDayStartsWithTheOldDaysSpend() {
        Instant spentAt = Instant.parse("2026-12-05T16:00:00Z"); // 2026-12-06 01:00 in Tokyo
        Instant changedAt = Instant.parse("2026-12-05T17:00:00Z");
        Instant callAt = Instant.parse("2026-12-06T15:30:00Z"); // the UTC day 2026-12-06, after the Tokyo day's end
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        InMemoryReservationJournal journal = InMemoryReservationJournal.create();
        InMemoryBudgetPolicyStore store = InMemoryBudgetPolicyStore.of(daily(ZoneId.of("Asia/Tokyo")));

        try (BudgetEnforcer before = enforcer(store, ledger, journal, spentAt)) {
            BudgetDecision spend =
                    before.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("1.00")), m -> List.of());
            assertThat(spend.allowed()).isTrue();
            before.settle(spend, new BigDecimal("1.00"));
        }
        BudgetPolicy previous = store.find("feature:chatbot/daily").orElseThrow();
        store.put(daily(ZoneOffset.UTC).replacing(previous, changedAt));

        try (BudgetEnforcer after = enforcer(store, ledger, journal, callAt)) {
            BudgetDecision next =
                    after.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("0.50")), m -> List.of());

            assertThat(next.refusal() == null ? null : next.refusal().spentUsd())
                    .as("spend shown for the UTC day 2026-12-06 (nothing spent on it) when refused")
                    .isNull();
            assertThat(next.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
        }
    }
}
