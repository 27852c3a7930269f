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
 * A once-marker store that fails for one budget's alert (a DynamoDB throttle on its marker item) while a call settles:
 * the settlement happened, so settle must say so, and the call's other budgets still get their alert check.
 */
class SettleAlertMarkerErrorTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    @Test
    void settle_markerFailsForOneBudgetsAlert_settlementReturnedAndTheOtherBudgetAlerts() {
        BudgetPolicy feature = policy("feature:chatbot");
        BudgetPolicy department = policy("department:engineering");
        InMemoryOnceMarker markers = InMemoryOnceMarker.create(CLOCK);
        OnceMarker failingForDepartment = (key, expiresAt) -> {
            if (key.contains("department:engineering")) {
                throw new IllegalStateException("marker store throttled");
            }
            return markers.markOnce(key, expiresAt);
        };
        RecordingAlertSink alerts = new RecordingAlertSink();
        InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
        try (BudgetEnforcer e = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(feature, department),
                ledger,
                failingForDepartment,
                alerts,
                InMemoryReservationJournal.create(),
                Duration.ofMinutes(15),
                CLOCK)) {
            // department:engineering first: its alert's marker fails before feature:chatbot's alert is judged
            BudgetDecision call =
                    e.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal("6")), m -> List.of());
            assertThat(call.reservations().get(0).policy()).isEqualTo(department);

            Optional<BigDecimal> remaining = e.settle(call, new BigDecimal("5.50"));

            assertThat(remaining).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("4.50"));
            assertThat(ledger.state(feature.itemKey("chatbot", NOW)))
                    .hasValueSatisfying(s -> assertThat(s.spent()).isEqualByComparingTo("5.50"));
            assertThat(alerts.alerts())
                    .as("feature:chatbot's 50 %% alert, whatever department:engineering's marker did")
                    .extracting(BudgetAlert::policyId, BudgetAlert::thresholdPercent)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("feature:chatbot/monthly", 50));
        }
    }

    private static BudgetPolicy policy(String scope) {
        return new BudgetPolicy(
                BudgetScope.parse(scope),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
    }
}
