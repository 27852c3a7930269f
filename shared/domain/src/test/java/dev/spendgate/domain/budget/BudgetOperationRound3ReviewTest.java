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
 * Budgets as a team operates them (review round 25a): each budget's own alerts, the remaining figure a client is told,
 * and the thresholds the status says were crossed.
 */
class BudgetOperationRound3ReviewTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final InMemoryOnceMarker marker = InMemoryOnceMarker.create(CLOCK);
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(BudgetPolicy... policies) {
        BudgetEnforcer e =
                new BudgetEnforcer(InMemoryBudgetPolicyStore.of(policies), ledger, marker, alerts, journal, TTL, CLOCK);
        opened.add(e);
        return e;
    }

    private static BudgetPolicy policy(String scope, String limit, BudgetPolicy.Mode mode, int shards) {
        return new BudgetPolicy(
                BudgetScope.parse(scope), BudgetPeriod.MONTHLY, new BigDecimal(limit), mode, null, null, null, shards);
    }

    private static ReservationJournal.Call named(String requestId) {
        return new ReservationJournal.Call(
                requestId, NOW, "key_1", CALL, "openai", null, "chat.completions", "gpt-4o", "gpt-4o", false);
    }

    private static BudgetDecision reserve(BudgetEnforcer e, String requestId, String worstCaseUsd) {
        return e.reserve(named(requestId), m -> Optional.of(new BigDecimal(worstCaseUsd)), m -> List.of());
    }

    /**
     * README "Budgets": two budgets on one scope value and period share one ledger item and "each budget judges its
     * alerts ... by that item's spend against its own limit"; alerts go out "once per budget, period, threshold and
     * limit". A team's `feature:*` alert budget at $10 beside the on-call's `feature:chatbot` block budget at $10:
     * $5.50 spent crosses 50 % of both, so both budgets alert (subscribers filter SNS on the `policy` attribute).
     * The once-marker's key names the item and the limit, not the budget, so the second budget's alert is taken as
     * already sent and never goes out.
     */
    @Test
    void twoBudgetsOnOneScopeValueWithEqualLimits_eachSendsItsOwnThresholdAlert() {
        BudgetPolicy each = policy("feature:*", "10", BudgetPolicy.Mode.ALERT, 1);
        BudgetPolicy chatbot = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK, 1);
        BudgetEnforcer e = enforcer(each, chatbot);

        BudgetDecision call = reserve(e, "req-1", "6");
        assertThat(call.outcome()).isEqualTo(Outcome.ALLOW);
        e.settle(call, new BigDecimal("5.50"));

        assertThat(alerts.alerts())
                .as("the 50 % alert of each budget, each naming its own policy")
                .extracting(BudgetAlert::policyId, BudgetAlert::thresholdPercent)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("feature:*/monthly", 50),
                        org.assertj.core.groups.Tuple.tuple("feature:chatbot/monthly", 50));
    }

    /**
     * README "Modes": non-streamed answers carry `X-Spendgate-Budget-Remaining-Usd`, "the tightest budget's remaining
     * amount". The local gateway reads it from the settlement ({@link BudgetEnforcer#settle}); the deployed carrier,
     * which settles after the answer has left, from {@link BudgetDecision#remainingAfter}. The two must tell a client
     * the same figure for the same call. With an alert budget beside a block one they do not: the settlement counts
     * the alert budget ($5 with $4.50 spent: $0.50 left), the reservation's figure leaves it out ($99.50), so the
     * same call is told $0.50 locally and $99.50 in AWS.
     */
    @Test
    void remainingHeader_alertBudgetBesideBlockBudget_sameFigureWhetherSettledNowOrAfterTheAnswer() {
        BudgetPolicy block = policy("department:engineering", "100", BudgetPolicy.Mode.BLOCK, 1);
        BudgetPolicy alert = policy("feature:chatbot", "5", BudgetPolicy.Mode.ALERT, 1);
        ledger.settle(alert.itemKey("chatbot", NOW), BigDecimal.ZERO, new BigDecimal("4"));
        BudgetEnforcer e = enforcer(block, alert);

        BudgetDecision call = reserve(e, "req-1", "1");
        Optional<BigDecimal> afterTheAnswer = call.remainingAfter(new BigDecimal("0.50")); // deployed carrier
        Optional<BigDecimal> settledNow = e.settle(call, new BigDecimal("0.50")); // local gateway

        assertThat(settledNow).isPresent();
        assertThat(afterTheAnswer)
                .as("the header the deployed carrier sends, against the local one's")
                .hasValueSatisfying(v -> assertThat(v).isEqualByComparingTo(settledNow.get()));
    }

    /**
     * README "Budgets": when two budgets on one scope value have different shard counts "they share the items of the
     * smaller count", and each "judges its alerts and its status by that item's spend against its own limit". A hot
     * key's budget (`key:key_1`, $10 on 4 shards) beside the fleet's `key:*` ($100, 1 shard): $3 spent is 30 % of
     * $10, no alert goes out (right), yet `GET /admin/budgets/status` (and so the console's Alerts column and what it
     * says "alerts follow") reports 50, 80 and 100 % crossed: it judges the one shared item's $3 against a quarter
     * of the limit ($2.50), as if the spend were spread over four shards.
     */
    @Test
    void statusAlertsCrossed_shardedBudgetSharingTheItemOfAnUnshardedOne_judgedAgainstItsWholeLimit() {
        BudgetPolicy fleet = policy("key:*", "100", BudgetPolicy.Mode.BLOCK, 1);
        BudgetPolicy hotKey = policy("key:key_1", "10", BudgetPolicy.Mode.BLOCK, 4);
        BudgetEnforcer e = enforcer(fleet, hotKey);
        for (int i = 0; i < 3; i++) {
            BudgetDecision call = reserve(e, "req-" + i, "1");
            assertThat(call.outcome()).isEqualTo(Outcome.ALLOW);
            e.settle(call, new BigDecimal("1"));
        }

        BudgetStatus status = BudgetStatus.ofPolicy(hotKey, ledger, NOW);

        assertThat(status.spentUsd()).isEqualByComparingTo("3");
        assertThat(alerts.alerts())
                .as("$3 of $10: no threshold reached, none sent")
                .isEmpty();
        assertThat(status.alertsCrossed())
                .as("thresholds $3 of key:key_1's $10 has crossed")
                .isEmpty();
    }
    /**
     * The same sharing seen by the sweeper, with real alerts: a crashed call's worst case is charged on the one item
     * `key:key_1` ($10, 4 shards) shares with `key:*` ($100). README "Alerts": a threshold alert goes out when the
     * budget's spend crosses it ("each budget judges its alerts ... by that item's spend against its own limit");
     * $3 of $10 is 30 %, so nothing is due. The sweeper matches the item to the stored 4-shard policy and judges it
     * against a quarter of the limit, sending 50, 80 and 100 % alerts ("reached 100 %: $3.00 of $10 spent").
     */
    @Test
    void sweptCharge_shardedBudgetSharingTheItemOfAnUnshardedOne_noAlertBelowItsThresholds() {
        BudgetPolicy fleet = policy("key:*", "100", BudgetPolicy.Mode.BLOCK, 1);
        BudgetPolicy hotKey = policy("key:key_1", "10", BudgetPolicy.Mode.BLOCK, 4);
        BudgetEnforcer e = enforcer(fleet, hotKey);
        for (int i = 0; i < 2; i++) {
            BudgetDecision call = reserve(e, "req-" + i, "1");
            e.settle(call, new BigDecimal("1"));
        }
        assertThat(reserve(e, "req-crashed", "1").outcome()).isEqualTo(Outcome.ALLOW); // never settles

        BudgetEnforcer later = new BudgetEnforcer(
                InMemoryBudgetPolicyStore.of(fleet, hotKey),
                ledger,
                marker,
                alerts,
                journal,
                TTL,
                Clock.offset(CLOCK, TTL.plusMinutes(1)));
        opened.add(later);
        BudgetEnforcer.Swept swept = later.sweep(10, open -> {});

        assertThat(swept.charged()).isEqualTo(1);
        assertThat(BudgetStatus.ofPolicy(hotKey, ledger, NOW).spentUsd()).isEqualByComparingTo("3");
        assertThat(alerts.alerts())
                .as("$3 of key:key_1's $10 (and of key:*'s $100) crosses no threshold")
                .extracting(BudgetAlert::message)
                .isEmpty();
    }
    /**
     * README "Batch": a provider batch's results, when recorded, are "added to the creator's budgets as spend
     * (threshold alerts included), in the period in which the batch ended". A batch that ended on Friday evening,
     * its results fetched on Monday morning, charges Friday's item of a daily budget ($9 of $10: the 50 and 80 %
     * thresholds) through {@link BudgetEnforcer#chargeOnce}, as BatchResults does. The spend is counted, but no alert
     * goes out: the alert is only judged for the current period or the one just before, so a batch fetched more than
     * one period after it ended crosses its thresholds silently.
     */
    @Test
    void batchResultsChargedToThePeriodTheBatchEnded_fetchedDaysLater_alertsAtTheThresholdsCrossed() {
        BudgetPolicy daily = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.DAILY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        Instant batchEnded = Instant.parse("2026-12-04T21:30:00Z"); // Friday evening
        Clock monday = Clock.fixed(Instant.parse("2026-12-07T08:00:00Z"), ZoneOffset.UTC);
        BudgetEnforcer e =
                new BudgetEnforcer(InMemoryBudgetPolicyStore.of(daily), ledger, marker, alerts, journal, TTL, monday);
        opened.add(e);
        // as BatchResults.charged builds them: the policy in force when the batch ended, the item of that period
        List<BudgetDecision.Reservation> items = List.of(new BudgetDecision.Reservation(
                daily, "chatbot", daily.shardKey("chatbot", batchEnded, 0), BigDecimal.ZERO));

        List<String> failed = e.chargeOnce("batch_1/sha", items, new BigDecimal("9"));

        assertThat(failed).isEmpty();
        assertThat(ledger.state("budget#feature:chatbot#daily#2026-12-04"))
                .hasValueSatisfying(st -> assertThat(st.spent()).isEqualByComparingTo("9"));
        assertThat(alerts.alerts())
                .as("the batch took Friday's budget to 90 %: its 50 and 80 % alerts, for Friday")
                .extracting(BudgetAlert::thresholdPercent, BudgetAlert::period)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(50, "2026-12-04"),
                        org.assertj.core.groups.Tuple.tuple(80, "2026-12-04"));
    }
    /**
     * README "Scale note": a hot budget (`global`) is split over shards, and its alerts fire "when the shard a call
     * settled on crosses the threshold (shards fill evenly, so this tracks the whole)". A provider batch's results are
     * charged on shard 0 alone (BatchResults.charged names {@code shardKey(value, at, 0)}): $300 of a $1,000 global
     * budget on 4 shards is 30 % of the limit, yet judged against shard 0's $250 it is 120 %, and the finance team
     * gets "reached 100 %: $300.00 of $1000 spent" (with 50 and 80 %) for a budget less than a third spent.
     */
    @Test
    void batchResultsChargedOnAShardedBudget_alertsJudgedAgainstTheWholeLimit() {
        BudgetPolicy global = policy("global", "1000", BudgetPolicy.Mode.BLOCK, 4);
        BudgetEnforcer e = enforcer(global);
        // as BatchResults.charged builds them
        List<BudgetDecision.Reservation> items =
                List.of(new BudgetDecision.Reservation(global, "*", global.shardKey("*", NOW, 0), BigDecimal.ZERO));

        assertThat(e.chargeOnce("batch_1/sha", items, new BigDecimal("300"))).isEmpty();

        assertThat(BudgetStatus.ofPolicy(global, ledger, NOW).spentUsd()).isEqualByComparingTo("300");
        assertThat(alerts.alerts())
                .as("$300 of $1,000: no threshold reached")
                .extracting(BudgetAlert::message)
                .isEmpty();
    }
    /**
     * README "Scale note": shards each hold `limit / N` and "every shard keeps the same conditional check, so together
     * they never allow more than the limit". A provider batch's results ($300) are charged, as BatchResults.charged
     * does, all on shard 0 of a $1,000 global budget on 4 shards ($250 each): shard 0 holds $50 more than its share
     * and the three others still admit $250 each, so the budget admits $1,050 in all: $50 above its limit, with no
     * call in flight and nothing racing (a budget on one item would admit $700 after the batch).
     */
    @Test
    void batchChargedOnAShardedBudget_laterCallsAdmittedOnlyUpToTheLimit() {
        BudgetPolicy global = policy("global", "1000", BudgetPolicy.Mode.BLOCK, 4);
        BudgetEnforcer e = enforcer(global);
        List<BudgetDecision.Reservation> items =
                List.of(new BudgetDecision.Reservation(global, "*", global.shardKey("*", NOW, 0), BigDecimal.ZERO));
        assertThat(e.chargeOnce("batch_1/sha", items, new BigDecimal("300"))).isEmpty();

        int admitted = 0;
        for (int i = 0; i < 200; i++) {
            BudgetDecision call = reserve(e, "req-" + i, "10");
            if (call.outcome() != Outcome.ALLOW) {
                break;
            }
            e.settle(call, new BigDecimal("10"));
            admitted++;
        }

        BigDecimal spent = BudgetStatus.ofPolicy(global, ledger, NOW).spentUsd();
        assertThat(spent)
                .as("the batch's $300 and %d calls of $10 admitted after it", admitted)
                .isLessThanOrEqualTo(new BigDecimal("1000"));
    }
}
