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
 * Two budgets on the same scope value and period ({@code feature:*} and {@code feature:chatbot}) name the same ledger
 * item: a call is reserved, settled and swept once on it, under the smaller limit, and each budget keeps its own.
 */
class BudgetSharedItemTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(Clock clock, BudgetPolicy... policies) {
        BudgetEnforcer e = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(policies),
                ledger,
                InMemoryOnceMarker.create(clock),
                alerts,
                journal,
                TTL,
                clock);
        opened.add(e);
        return e;
    }

    private static BudgetPolicy block(String scope, String limitUsd, int shards) {
        return new BudgetPolicy(
                BudgetScope.parse(scope),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limitUsd),
                BudgetPolicy.Mode.BLOCK,
                List.of(50),
                null,
                null,
                shards);
    }

    private static ReservationJournal.Call named(String requestId) {
        return new ReservationJournal.Call(
                requestId, NOW, "key_1", CALL, "openai", null, "chat.completions", "gpt-4o", "gpt-4o", true);
    }

    private BudgetState chatbotItem() {
        return ledger.state("budget#feature:chatbot#monthly#2026-11").orElse(BudgetState.EMPTY);
    }

    private BudgetDecision reserve(BudgetEnforcer e, String usd) {
        return e.reserve(CALL, "key_1", "gpt-4o", m -> Optional.of(new BigDecimal(usd)), m -> List.of());
    }

    @Test
    void eachFeatureAndOneFeature_callCountedOnceUnderTheSmallerLimit_eachBudgetAlertsByItsOwn() {
        BudgetPolicy each = block("feature:*", "10", 1);
        BudgetPolicy chatbot = block("feature:chatbot", "1.00", 1);
        BudgetEnforcer e = enforcer(CLOCK, each, chatbot);

        BudgetDecision first = reserve(e, "0.60");
        assertThat(first.outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(chatbotItem().reserved())
                .as("reserved once for both budgets")
                .isEqualByComparingTo("0.60");
        BudgetDecision second = reserve(e, "0.60");
        assertThat(second.outcome())
                .as("$1.20 does not fit feature:chatbot's $1.00")
                .isEqualTo(Outcome.BLOCK);
        assertThat(second.refusal().policy().id()).isEqualTo("feature:chatbot/monthly");
        assertThat(chatbotItem().reserved()).as("the refused call left nothing").isEqualByComparingTo("0.60");

        e.settle(first, new BigDecimal("0.55"));

        assertThat(chatbotItem().spent()).isEqualByComparingTo("0.55");
        assertThat(chatbotItem().reserved()).isEqualByComparingTo("0");
        // $0.55 is 55 % of feature:chatbot's $1.00, 5.5 % of feature:*'s $10: only the first alerts at 50 %
        assertThat(alerts.alerts()).singleElement().satisfies(a -> {
            assertThat(a.policyId()).isEqualTo("feature:chatbot/monthly");
            assertThat(a.spentUsd()).isEqualByComparingTo("0.55");
        });
    }

    @Test
    void callThatNeverSettles_sweptOnceOnTheSharedItem() {
        BudgetPolicy each = block("feature:*", "10", 1);
        BudgetPolicy chatbot = block("feature:chatbot", "10", 1);
        enforcer(CLOCK, each, chatbot)
                .reserve(named("req-1"), m -> Optional.of(new BigDecimal("0.50")), m -> List.of());
        assertThat(journal.expired(Instant.MAX, 10)).singleElement().satisfies(open -> assertThat(open.itemKeys())
                .containsExactly("budget#feature:chatbot#monthly#2026-11"));

        BudgetEnforcer.Swept swept =
                enforcer(Clock.offset(CLOCK, TTL.plusMinutes(1)), each, chatbot).sweep(10, open -> {});

        assertThat(swept.charged()).isEqualTo(1);
        assertThat(chatbotItem().spent()).isEqualByComparingTo("0.50");
        assertThat(chatbotItem().reserved()).isEqualByComparingTo("0");
    }

    @Test
    void entryOfAnEarlierVersionNamingTheItemTwice_bothReservationsEnd_worstCaseCountedOnce() {
        BudgetPolicy each = block("feature:*", "10", 1);
        BudgetPolicy chatbot = block("feature:chatbot", "10", 1);
        String item = "budget#feature:chatbot#monthly#2026-11";
        ledger.reserve(item, new BigDecimal("10"), new BigDecimal("0.50"));
        ledger.reserve(item, new BigDecimal("10"), new BigDecimal("0.50"));
        journal.open(new ReservationJournal.OpenReservation(
                "old-1", List.of(item, item), new BigDecimal("0.50"), NOW.plus(TTL), true, named("req-1")));

        enforcer(Clock.offset(CLOCK, TTL.plusMinutes(1)), each, chatbot).sweep(10, open -> {});

        assertThat(chatbotItem().spent()).isEqualByComparingTo("0.50");
        assertThat(chatbotItem().reserved()).isEqualByComparingTo("0");
    }

    @Test
    void shardCountsDiffer_sharedOnTheFewestItems_eachLimitHolds() {
        // feature:* on 4 shards ($4, $1 each), feature:chatbot on 1 ($10): the chatbot's calls go on its one item,
        // where feature:* may take its whole $4 (its other shards are empty)
        BudgetPolicy each = block("feature:*", "4", 4);
        BudgetPolicy chatbot = block("feature:chatbot", "10", 1);
        BudgetEnforcer e = enforcer(CLOCK, each, chatbot);

        int admitted = 0;
        for (int i = 0; i < 6; i++) {
            BudgetDecision d = reserve(e, "0.90");
            if (d.allowed()) {
                admitted++;
                e.settle(d, new BigDecimal("0.90"));
            }
        }

        assertThat(admitted).as("$0.90 calls within feature:*'s $4").isEqualTo(4);
        assertThat(chatbotItem().spent()).isEqualByComparingTo("3.60");
        assertThat(BudgetStatus.ofPolicy(chatbot, ledger, NOW).spentUsd()).isEqualByComparingTo("3.60");
    }
}
