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

/** Calls whose reservation and settlement fall in different budget periods. */
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
}
