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
 * A block budget refuses a call when spend, the calls in flight and the call's own worst case pass the limit: often
 * before its 80 or 100 % alert. Its first refusal in a period is told to whoever watches the alerts, once.
 */
class BudgetRefusalNoticeTest {
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");
    private static final Instant MORNING = Instant.parse("2026-12-06T09:00:00Z");

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final InMemoryOnceMarker marker = InMemoryOnceMarker.create(Clock.fixed(MORNING, ZoneOffset.UTC));
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(Instant at, BudgetPolicy... policies) {
        Clock clock = Clock.fixed(at, ZoneOffset.UTC);
        BudgetEnforcer e =
                new BudgetEnforcer(InMemoryBudgetPolicyStore.of(policies), ledger, marker, alerts, journal, TTL, clock);
        opened.add(e);
        return e;
    }

    private static BudgetPolicy daily(String limitUsd, BudgetPolicy.Mode mode) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:*"),
                BudgetPeriod.DAILY,
                new BigDecimal(limitUsd),
                mode,
                List.of(80, 100),
                null,
                ZoneOffset.UTC,
                1);
    }

    private static BudgetDecision reserve(BudgetEnforcer e, String usd) {
        return e.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal(usd)), m -> List.of());
    }

    @Test
    void firstRefusalOfThePeriod_isNoticedOnceWithItsFigures_beforeAnyThresholdAlert() {
        BudgetPolicy budget = daily("10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(MORNING, budget);
        BudgetDecision spent = reserve(gateway, "6.00");
        gateway.settle(spent, new BigDecimal("6.00"));
        BudgetDecision running = reserve(gateway, "1.50");
        assertThat(running.outcome()).isEqualTo(Outcome.ALLOW);

        assertThat(reserve(gateway, "3.00").outcome())
                .as("$6 spent + $1.50 in flight + $3 passes $10")
                .isEqualTo(Outcome.BLOCK);
        assertThat(reserve(gateway, "2.75").outcome()).isEqualTo(Outcome.BLOCK);

        assertThat(alerts.alerts()).as("60 %: no threshold crossed").isEmpty();
        assertThat(alerts.notices()).hasSize(1);
        AlertSink.Notice notice = alerts.notices().get(0);
        assertThat(notice.subject()).isEqualTo("Spendgate budget refusing calls: feature:*/daily");
        assertThat(notice.attributes())
                .containsEntry("kind", "budget_refused")
                .containsEntry("policy", "feature:*/daily")
                .containsEntry("scope_value", "chatbot")
                .containsEntry("period", "2026-12-06")
                .containsEntry("limit_usd", "10")
                .containsEntry("spent_usd", "6.00")
                .containsEntry("in_flight_usd", "1.50")
                .containsEntry("worst_case_usd", "3.00")
                .containsEntry("mode", "block");
        assertThat(notice.message())
                .startsWith(
                        "Budget feature:*/daily (2026-12-06) for chatbot refused a call: $6.00 of $10 spent,"
                                + " $1.50 held by calls in flight, and the call's worst case of $3.00 did not fit (mode block).")
                .contains("until spend settles below the limit or the period ends at 2026-12-07T00:00:00Z");
    }

    @Test
    void budgetSpentToItsLimit_isToldByItsHundredPercentAlert_orWithoutOne_byTheNotice() {
        BudgetPolicy withHundred = daily("1", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(MORNING, withHundred);
        BudgetDecision all = reserve(gateway, "0.90");
        gateway.settle(all, new BigDecimal("1.05")); // the provider billed more than the worst case the call fitted

        assertThat(reserve(gateway, "0.10").outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(alerts.alerts()).extracting(BudgetAlert::thresholdPercent).containsExactly(80, 100);
        assertThat(alerts.notices()).isEmpty();

        BudgetPolicy halfOnly = new BudgetPolicy(
                BudgetScope.parse("team:*"),
                BudgetPeriod.DAILY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                List.of(50),
                null,
                ZoneOffset.UTC,
                1);
        BudgetEnforcer other = enforcer(MORNING, halfOnly);
        other.settle(reserve(other, "0.90"), new BigDecimal("1.05"));
        assertThat(reserve(other, "0.10").outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(alerts.notices()).singleElement().satisfies(n -> assertThat(n.attributes())
                .containsEntry("policy", "team:*/daily"));
    }

    @Test
    void anotherGatewayInstance_doesNotNoticeTheSameRefusalAgain_butTheNextDayDoes() {
        BudgetPolicy budget = daily("1", BudgetPolicy.Mode.BLOCK);
        assertThat(reserve(enforcer(MORNING, budget), "2.00").outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(reserve(enforcer(MORNING.plusSeconds(60), budget), "2.00").outcome())
                .isEqualTo(Outcome.BLOCK);
        assertThat(alerts.notices()).hasSize(1);

        assertThat(reserve(enforcer(MORNING.plus(Duration.ofDays(1)), budget), "2.00")
                        .outcome())
                .isEqualTo(Outcome.BLOCK);
        assertThat(alerts.notices())
                .extracting(n -> n.attributes().get("period"))
                .containsExactly("2026-12-06", "2026-12-07");
    }

    @Test
    void alertBudgets_andDegradeBudgetsThatDegrade_sendNoRefusalNotice() {
        BudgetPolicy watching = daily("1", BudgetPolicy.Mode.ALERT);
        assertThat(reserve(enforcer(MORNING, watching), "2.00").outcome()).isEqualTo(Outcome.ALLOW);

        BudgetPolicy degrading = new BudgetPolicy(
                BudgetScope.parse("department:*"),
                BudgetPeriod.DAILY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.DEGRADE,
                List.of(80, 100),
                null,
                ZoneOffset.UTC,
                1);
        BudgetEnforcer gateway = enforcer(MORNING, degrading);
        BudgetDecision degraded = gateway.reserve(
                CALL,
                "key_1",
                "gpt-4o",
                m -> Optional.of(new BigDecimal(m.equals("gpt-4o") ? "2.00" : "0.10")),
                m -> m.equals("gpt-4o") ? List.of("gpt-4o-mini") : List.of());
        assertThat(degraded.outcome()).isEqualTo(Outcome.DEGRADE);
        assertThat(degraded.model()).isEqualTo("gpt-4o-mini");

        assertThat(alerts.notices()).isEmpty();
    }

    @Test
    void degradeBudget_refusingEvenItsCheapestModel_isNoticedOnce() {
        BudgetPolicy degrading = new BudgetPolicy(
                BudgetScope.parse("department:*"),
                BudgetPeriod.DAILY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.DEGRADE,
                List.of(80, 100),
                null,
                ZoneOffset.UTC,
                1);
        BudgetEnforcer gateway = enforcer(MORNING, degrading);
        BudgetDecision spent = reserve(gateway, "0.40");
        gateway.settle(spent, new BigDecimal("0.40"));

        for (int i = 0; i < 2; i++) {
            BudgetDecision refused = gateway.reserve(
                    CALL,
                    "key_1",
                    "gpt-4o",
                    m -> Optional.of(new BigDecimal(m.equals("gpt-4o") ? "2.00" : "0.90")),
                    m -> m.equals("gpt-4o") ? List.of("gpt-4o-mini") : List.of());
            assertThat(refused.outcome())
                    .as("$0.40 spent: neither $2.00 on gpt-4o nor $0.90 on gpt-4o-mini fits $1")
                    .isEqualTo(Outcome.BLOCK);
        }

        assertThat(alerts.alerts()).as("40 %: no threshold crossed").isEmpty();
        assertThat(alerts.notices()).singleElement().satisfies(n -> {
            assertThat(n.attributes())
                    .containsEntry("kind", "budget_refused")
                    .containsEntry("policy", "department:*/daily")
                    .containsEntry("scope_value", "engineering")
                    .containsEntry("mode", "degrade")
                    .containsEntry("worst_case_usd", "2.00");
            assertThat(n.message()).contains("did not fit, on its model or any cheaper one it could degrade to");
        });
    }

    @Test
    void degradeAndBlockBudgetsRefusingTogether_onlyTheBlockBudgetNotices() {
        BudgetPolicy degrading = new BudgetPolicy(
                BudgetScope.parse("department:*"),
                BudgetPeriod.DAILY,
                BigDecimal.TEN,
                BudgetPolicy.Mode.DEGRADE,
                List.of(80, 100),
                null,
                ZoneOffset.UTC,
                1);
        BudgetEnforcer gateway = enforcer(MORNING, degrading, daily("1", BudgetPolicy.Mode.BLOCK));

        BudgetDecision refused = gateway.reserve(
                CALL,
                "key_1",
                "gpt-4o",
                m -> Optional.of(new BigDecimal(m.equals("gpt-4o") ? "12.00" : "0.90")),
                m -> m.equals("gpt-4o") ? List.of("gpt-4o-mini") : List.of());

        assertThat(refused.outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(alerts.notices())
                .as("no cheaper model was tried: the degrade budget's notice would say it was")
                .singleElement()
                .satisfies(n -> assertThat(n.attributes()).containsEntry("mode", "block"));
    }
}
