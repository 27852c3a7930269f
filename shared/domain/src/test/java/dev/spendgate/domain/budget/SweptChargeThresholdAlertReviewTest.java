package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A call that never settled is charged at its worst case by the sweeper (README "A call that never settled is counted
 * at its worst case"); when that charge takes a budget over its alert thresholds, the operator must get the threshold
 * alerts ("Alerts at each threshold (default 50, 80, 100 % of the limit) once per budget, period and threshold").
 */
class SweptChargeThresholdAlertReviewTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private static ReservationJournal.Call named(String requestId) {
        return new ReservationJournal.Call(
                requestId, NOW, "key_1", CALL, "openai", null, "chat.completions", "gpt-4o", "gpt-4o", false);
    }

    private static java.util.function.Function<String, Optional<BigDecimal>> costs(String usd) {
        return m -> Optional.of(new BigDecimal(usd));
    }

    @Test
    void sweptWorstCaseCrossesThresholds_theirAlertsAreSent() {
        BudgetPolicy feature = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("1.00"),
                BudgetPolicy.Mode.BLOCK,
                null, // 50, 80, 100
                null,
                null);
        InMemoryBudgetPolicyStore policies = InMemoryBudgetPolicyStore.of(feature);
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        InMemoryReservationJournal journal = InMemoryReservationJournal.create();
        InMemoryOnceMarker marker = InMemoryOnceMarker.create(Clock.fixed(NOW, ZoneOffset.UTC));
        RecordingAlertSink alerts = new RecordingAlertSink();
        Clock later = Clock.fixed(NOW.plus(TTL).plusSeconds(60), ZoneOffset.UTC);

        try (BudgetEnforcer gateway = new BudgetEnforcer(
                        policies, ledger, marker, alerts, journal, TTL, Clock.fixed(NOW, ZoneOffset.UTC));
                BudgetEnforcer sweeper = new BudgetEnforcer(policies, ledger, marker, alerts, journal, TTL, later)) {
            BudgetDecision settled = gateway.reserve(named("req-1"), costs("0.30"), m -> List.of());
            gateway.settle(settled, new BigDecimal("0.30")); // 30 %: no threshold yet
            // req-2 is admitted at a $0.60 worst case, answered by the provider, and the gateway dies before settling
            assertThat(gateway.reserve(named("req-2"), costs("0.60"), m -> List.of())
                            .allowed())
                    .isTrue();

            BudgetEnforcer.Swept swept = sweeper.sweep(100, open -> {});

            assertThat(swept.charged()).isEqualTo(1);
            BudgetStatus status = BudgetStatus.ofPolicy(feature, ledger, later.instant());
            assertThat(status.spentUsd()).isEqualByComparingTo("0.90");
            assertThat(status.alertsCrossed())
                    .as("what status reports as crossed")
                    .containsExactly(50, 80);
            // The next call no longer fits, so no later settlement will ever send them: the sweep must.
            assertThat(sweeper.reserve(named("req-3"), costs("0.20"), m -> List.of())
                            .allowed())
                    .isFalse();
            assertThat(alerts.alerts())
                    .as("threshold alerts sent for $0.90 of $1.00")
                    .extracting(BudgetAlert::thresholdPercent)
                    .containsExactlyInAnyOrder(50, 80);
        }
    }
}
