package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision.Outcome;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review (round four of budget operation): budgets a finance team edits mid-period, and what their watchers are told
 * afterwards.
 */
class BudgetEditRound4ReviewTest {
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");
    private static final Instant MORNING = Instant.parse("2026-12-06T09:00:00Z");

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final InMemoryOnceMarker marker = InMemoryOnceMarker.create(Clock.fixed(MORNING, ZoneOffset.UTC));
    private final InMemoryBudgetPolicyStore store = InMemoryBudgetPolicyStore.of();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(Instant at) {
        BudgetEnforcer e =
                new BudgetEnforcer(store, ledger, marker, alerts, journal, TTL, Clock.fixed(at, ZoneOffset.UTC));
        opened.add(e);
        return e;
    }

    /** As the admin API, the console and {@code budgets set} store an edit: in place of the stored policy. */
    private void set(BudgetPolicy policy, Instant at) {
        store.put(policy.replacing(store.find(policy.id()).orElse(null), at));
    }

    private static BudgetPolicy team(String limitUsd, BudgetPolicy.Mode mode, List<Integer> alertAt) {
        return new BudgetPolicy(
                BudgetScope.parse("team:*"),
                BudgetPeriod.DAILY,
                new BigDecimal(limitUsd),
                mode,
                alertAt,
                null,
                ZoneOffset.UTC,
                1);
    }

    private static BudgetDecision reserve(BudgetEnforcer e, String usd) {
        return e.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal(usd)), m -> List.of());
    }

    @Test
    void alertBudgetSwitchedToBlockBelowItsSpend_refusesCalls_andTellsItsWatchers() {
        // an alert budget that tells of an overrun: 80 % and 120 % of $10
        set(team("10", BudgetPolicy.Mode.ALERT, List.of(80, 120)), MORNING);
        BudgetEnforcer gateway = enforcer(MORNING);
        gateway.settle(reserve(gateway, "9.00"), new BigDecimal("9.00"));
        assertThat(alerts.alerts()).extracting(BudgetAlert::thresholdPercent).containsExactly(80);

        // finance locks the team down for the rest of the day: block at $8 (the form keeps the thresholds)
        Instant noon = MORNING.plus(Duration.ofHours(3));
        set(team("8", BudgetPolicy.Mode.BLOCK, List.of(80, 120)), noon);
        BudgetEnforcer after = enforcer(noon);
        assertThat(reserve(after, "0.10").outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(reserve(after, "0.10").outcome()).isEqualTo(Outcome.BLOCK);

        // $9 of $8 is 112.5 %: the 120 % alert is not due, so the block budget's first refusal must be told
        assertThat(alerts.alerts())
                .as("told so far: the 80 % alerts of $10 and of $8, neither says calls are refused")
                .extracting(BudgetAlert::thresholdPercent)
                .containsExactly(80, 80);
        assertThat(alerts.notices())
                .as("the team's calls fail with 429: the refusal notice is the only word of it")
                .singleElement()
                .satisfies(n -> assertThat(n.attributes())
                        .containsEntry("kind", "budget_refused")
                        .containsEntry("policy", "team:*/daily")
                        .containsEntry("limit_usd", "8"));
    }

    @Test
    void budgetCreatedMidMonth_forecastsItsMonthAtTheRateItHasSpentSinceItBegan() {
        // the team gets its first budget on December 20th: $500 for the month
        Instant created = Instant.parse("2026-12-20T00:00:00Z");
        BudgetPolicy monthly = new BudgetPolicy(
                BudgetScope.parse("team:search"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("500"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC,
                1);
        set(monthly, created);
        // $50 a day on the 20th and the 21st
        for (int day = 0; day < 2; day++) {
            BudgetEnforcer gateway = enforcer(created.plus(Duration.ofDays(day)).plusSeconds(3600));
            gateway.settle(reserve(gateway, "50.00"), new BigDecimal("50.00"));
        }

        Instant now = Instant.parse("2026-12-22T00:00:00Z");
        BudgetStatus status = BudgetStatus.ofPolicy(store.find(monthly.id()).orElseThrow(), ledger, now);

        assertThat(status.spentUsd()).isEqualByComparingTo("100.00");
        // $100 in the 2 days since it began, 10 days left at $50 a day: $600, over the $500 limit. Spread over the 21
        // days since December 1st (before the budget there was nothing to count) it reads $147.62, a third of the
        // limit.
        assertThat(status.forecastUsd())
                .as("month-end forecast of a budget that has counted spend since the 20th only")
                .isGreaterThan(new BigDecimal("500"));
    }
}
