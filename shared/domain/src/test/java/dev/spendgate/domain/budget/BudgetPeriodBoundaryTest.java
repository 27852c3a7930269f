package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Budgets across period boundaries: calls settled after their period ended, shard counts changed within one. */
class BudgetPeriodBoundaryTest {
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");
    private static final Function<String, List<String>> NO_CHAIN = m -> List.of();

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final InMemoryOnceMarker marker =
            InMemoryOnceMarker.create(Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC));
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(BudgetPolicyStore policies, Instant now) {
        BudgetEnforcer e =
                new BudgetEnforcer(policies, ledger, marker, alerts, journal, TTL, Clock.fixed(now, ZoneOffset.UTC));
        opened.add(e);
        return e;
    }

    private static Function<String, Optional<BigDecimal>> costs(String usd) {
        return m -> Optional.of(new BigDecimal(usd));
    }

    private static BudgetPolicy chatbot(BudgetPeriod period, String limit, int shards) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                period,
                new BigDecimal(limit),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                shards);
    }

    /**
     * A call reserved at 23:59:59 on Nov 30 settles at 00:00:01 on Dec 1, on Nov 30's item (91 % spent). The 50/80 %
     * alerts are then sent and marked under Dec 1's period with Nov 30's spend, so when Dec 1 itself reaches 85 % no
     * alert comes: an alert-only budget (whose only effect is the alert) stays silent for the whole day.
     */
    @Test
    void settle_afterMidnight_newDaysAlertsAreSentWhenTheNewDayCrossesThem() {
        BudgetPolicy daily = chatbot(BudgetPeriod.DAILY, "10", 1);
        InMemoryBudgetPolicyStore policies = InMemoryBudgetPolicyStore.of(daily);
        Instant nov30 = Instant.parse("2026-11-30T18:00:00Z");
        ledger.settle(daily.itemKey("chatbot", nov30), BigDecimal.ZERO, new BigDecimal("9.00"));

        BudgetDecision straddling = enforcer(policies, Instant.parse("2026-11-30T23:59:59Z"))
                .reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);
        assertThat(straddling.allowed()).isTrue();
        enforcer(policies, Instant.parse("2026-12-01T00:00:01Z")).settle(straddling, new BigDecimal("0.10"));

        BudgetEnforcer dec1 = enforcer(policies, Instant.parse("2026-12-01T15:00:00Z"));
        for (int i = 0; i < 17; i++) {
            BudgetDecision d = dec1.reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);
            assertThat(d.allowed()).isTrue();
            dec1.settle(d, new BigDecimal("0.50"));
        }

        assertThat(alerts.alerts())
                .filteredOn(a -> a.period().equals("2026-12-01") && a.thresholdPercent() == 80)
                .as("Dec 1's 80 % alert, sent when Dec 1 spent $8.00 or more")
                .singleElement()
                .satisfies(a -> assertThat(a.spentUsd()).isGreaterThanOrEqualTo(new BigDecimal("8.00")))
                .satisfies(a -> assertThat(a.at()).isAfter(Instant.parse("2026-12-01T00:00:01Z")));
        assertThat(alerts.alerts())
                .filteredOn(a -> a.thresholdPercent() == 80 && a.period().equals("2026-11-30"))
                .as("the straddling call's own day crossed 80 %, and its alert says so")
                .singleElement()
                .satisfies(a -> assertThat(a.spentUsd()).isEqualByComparingTo("9.10"));
    }

    /**
     * An operator splits a hot $10 monthly budget over 4 shards mid-month, after $9 was spent on its one item. The new
     * count waits for the month's end, so this month admits $1 more, not $6; from December on, 4 shards are used.
     */
    @Test
    void reshard_midPeriod_admitsNoMoreThanTheLimitAndTakesEffectNextPeriod() {
        Instant now = Instant.parse("2026-11-15T12:00:00Z");
        BudgetPolicy one = chatbot(BudgetPeriod.MONTHLY, "10", 1);
        InMemoryBudgetPolicyStore policies = InMemoryBudgetPolicyStore.of(one);
        BudgetEnforcer november = enforcer(policies, now);
        for (int i = 0; i < 9; i++) {
            BudgetDecision d = november.reserve(CALL, "key_1", "gpt-4o", costs("1.00"), NO_CHAIN);
            november.settle(d, new BigDecimal("1.00"));
        }

        BudgetPolicy four = chatbot(BudgetPeriod.MONTHLY, "10", 4).replacing(one, now);
        policies.put(four);
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            BudgetDecision d = november.reserve(CALL, "key_1", "gpt-4o", costs("1.00"), NO_CHAIN);
            if (d.allowed()) {
                november.settle(d, new BigDecimal("1.00"));
                admitted++;
            }
        }
        BudgetDecision december = enforcer(policies, Instant.parse("2026-12-02T09:00:00Z"))
                .reserve(CALL, "key_1", "gpt-4o", costs("2.00"), NO_CHAIN);

        assertThat(four.shardsFrom()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(four.reshardWarning(one))
                .hasValueSatisfying(w -> assertThat(w).contains("stays 1", "becomes 4"));
        assertThat(admitted)
                .as("admitted in November after the reshard, $9 of $10 spent")
                .isEqualTo(1);
        assertThat(december.reservations())
                .as("December's call on a shard of a quarter of the limit")
                .singleElement()
                .satisfies(r -> assertThat(r.policy().shards()).isEqualTo(4));
        assertThat(december.allowed())
                .as("a $2.00 call fits a fresh $2.50 shard")
                .isTrue();
    }
}
