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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Final review (session 28): a budget's {@code since} is "when the ledger began counting" only when the ledger item it
 * reads started empty then. A budget deleted and set again within its period reads the same ledger item, which kept
 * the period's spend: its forecast, run from the re-creation, extrapolates weeks of spend over an hour.
 */
class BudgetCountingSinceFinalReviewTest {
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final InMemoryBudgetPolicyStore store = InMemoryBudgetPolicyStore.of();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(Instant at) {
        Clock clock = Clock.fixed(at, ZoneOffset.UTC);
        BudgetEnforcer e =
                new BudgetEnforcer(store, ledger, InMemoryOnceMarker.create(clock), alerts, journal, TTL, clock);
        opened.add(e);
        return e;
    }

    /** As the admin API, the console and {@code budgets set} store a budget: in place of the stored policy. */
    private void set(BudgetPolicy policy, Instant at) {
        store.put(policy.replacing(store.find(policy.id()).orElse(null), at));
    }

    private static BudgetPolicy monthly(String limitUsd) {
        return new BudgetPolicy(
                BudgetScope.parse("team:search"),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limitUsd),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC,
                1);
    }

    private void spend(Instant at, String usd) {
        BudgetEnforcer gateway = enforcer(at);
        gateway.settle(
                gateway.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal(usd)), m -> List.of()),
                new BigDecimal(usd));
    }

    @Test
    void budgetDeletedAndSetAgainMidMonth_forecastsTheSpendItStillCounts_overTheWholeMonth() {
        // $500 a month since December 1st; $300 spent by the 19th ($15.79 a day)
        set(monthly("500"), Instant.parse("2026-12-01T00:00:00Z"));
        spend(Instant.parse("2026-12-05T10:00:00Z"), "150.00");
        spend(Instant.parse("2026-12-15T10:00:00Z"), "150.00");

        // on the 20th finance deletes the budget and sets it again (say, to start over with the same limit)
        Instant recreated = Instant.parse("2026-12-20T12:00:00Z");
        assertThat(store.delete(monthly("500").id())).isTrue();
        set(monthly("500"), recreated);

        // an hour later, nothing more spent
        Instant now = recreated.plus(Duration.ofHours(1));
        BudgetStatus status =
                BudgetStatus.ofPolicy(store.find(monthly("500").id()).orElseThrow(), ledger, now);

        // the ledger item of December kept the $300: the re-created budget counts it (and refuses on it)
        assertThat(status.spentUsd())
                .as("the re-created budget still counts the month's spend")
                .isEqualByComparingTo("300.00");
        // $300 over the 469 hours of December gone by, 744 in all: about $476, under the $500 limit. Counted from
        // the re-creation an hour ago it reads $300 x 276 hours: $82,800.
        assertThat(status.forecastUsd())
                .as("month-end forecast of $300 spent over December 1st to 20th, nothing since")
                .isLessThan(new BigDecimal("500"));
    }

    @Test
    void teamBudgetSetMidMonthBesideAWildcardBudget_forecastsTheSharedSpendOverTheWholeMonth() {
        // every team has $1,000 a month since December 1st; team search spent $300 of it by the 15th
        BudgetPolicy everyTeam = new BudgetPolicy(
                BudgetScope.parse("team:*"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("1000"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC,
                1);
        set(everyTeam, Instant.parse("2026-12-01T00:00:00Z"));
        spend(Instant.parse("2026-12-05T10:00:00Z"), "150.00");
        spend(Instant.parse("2026-12-15T10:00:00Z"), "150.00");

        // on the 20th team search gets a budget of its own: the ledger item it counts on is the one of team:*
        Instant created = Instant.parse("2026-12-20T12:00:00Z");
        set(monthly("500"), created);
        Instant now = created.plus(Duration.ofHours(1));
        BudgetStatus status =
                BudgetStatus.ofPolicy(store.find(monthly("500").id()).orElseThrow(), ledger, now);

        assertThat(status.spentUsd())
                .as("the new budget counts the month's spend of team search, from December 1st")
                .isEqualByComparingTo("300.00");
        assertThat(status.forecastUsd())
                .as("month-end forecast of $300 spent over December 1st to 20th, nothing since")
                .isLessThan(new BigDecimal("500"));
    }
}
