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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The enforcer over the in-memory fakes: admission, settlement, degradation, alerts, store failures and the sweep. */
class BudgetEnforcerTest {
    private static final Instant NOW = Instant.parse("2026-11-15T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");
    private static final Function<String, List<String>> NO_CHAIN = m -> List.of();

    private final InMemoryBudgetLedger ledger = InMemoryBudgetLedger.create();
    private final InMemoryReservationJournal journal = InMemoryReservationJournal.create();
    private final InMemoryOnceMarker marker = InMemoryOnceMarker.create(CLOCK);
    private final RecordingAlertSink alerts = new RecordingAlertSink();
    private final List<BudgetEnforcer> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(BudgetEnforcer::close);
    }

    private BudgetEnforcer enforcer(BudgetLedger ledger, Clock clock, BudgetPolicy... policies) {
        BudgetEnforcer e =
                new BudgetEnforcer(InMemoryBudgetPolicyStore.of(policies), ledger, marker, alerts, journal, TTL, clock);
        opened.add(e);
        return e;
    }

    private BudgetEnforcer enforcer(BudgetPolicy... policies) {
        return enforcer(ledger, CLOCK, policies);
    }

    private static BudgetPolicy policy(String scope, String limitUsd, BudgetPolicy.Mode mode) {
        return new BudgetPolicy(
                BudgetScope.parse(scope), BudgetPeriod.MONTHLY, new BigDecimal(limitUsd), mode, null, null, null);
    }

    private static Function<String, Optional<BigDecimal>> costs(Map<String, String> byModel) {
        return m -> Optional.ofNullable(byModel.get(m)).map(BigDecimal::new);
    }

    private static Function<String, Optional<BigDecimal>> costs(String usd) {
        return m -> Optional.of(new BigDecimal(usd));
    }

    private BudgetState item(BudgetPolicy p, String scopeValue) {
        return ledger.state(p.itemKey(scopeValue, NOW)).orElse(BudgetState.EMPTY);
    }

    private void alreadySpent(BudgetPolicy p, String scopeValue, String usd) {
        ledger.settle(p.itemKey(scopeValue, NOW), BigDecimal.ZERO, new BigDecimal(usd));
    }

    private static void assertItem(BudgetState s, String spent, String reserved) {
        assertThat(s.spent()).as("spent").isEqualByComparingTo(spent);
        assertThat(s.reserved()).as("reserved").isEqualByComparingTo(reserved);
        assertThat(s.committed())
                .as("committed")
                .isEqualByComparingTo(new BigDecimal(spent).add(new BigDecimal(reserved)));
    }

    @Test
    void reserve_noBudgetAppliesToTheCall_allowsWithoutTouchingTheLedger() {
        BudgetDecision d = enforcer(policy("feature:billing", "1", BudgetPolicy.Mode.BLOCK))
                .reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(d.outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(d.reservations()).isEmpty();
        assertThat(ledger.calls()).isZero();
        assertThat(journal.open()).isEmpty();
    }

    @Test
    void reserveThenSettle_twoScopes_reservesTheWorstCaseOnEachAndReplacesItByTheActualCost() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetPolicy department = policy("department:engineering", "100", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer enforcer = enforcer(feature, department);

        BudgetDecision d = enforcer.reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(d.outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(d.estimateUsd()).isEqualByComparingTo("0.50");
        assertItem(item(feature, "chatbot"), "0", "0.50");
        assertItem(item(department, "engineering"), "0", "0.50");
        assertThat(journal.open()).singleElement().satisfies(o -> assertThat(o.itemKeys())
                .containsExactlyInAnyOrder(feature.itemKey("chatbot", NOW), department.itemKey("engineering", NOW)));

        Optional<BigDecimal> remaining = enforcer.settle(d, new BigDecimal("0.12"));

        assertItem(item(feature, "chatbot"), "0.12", "0");
        assertItem(item(department, "engineering"), "0.12", "0");
        assertThat(journal.open()).isEmpty();
        assertThat(remaining).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("9.88"));
    }

    @Test
    void remainingAfter_settlementStillToCome_equalsWhatTheSettlementReports() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetPolicy department = policy("department:engineering", "100", BudgetPolicy.Mode.BLOCK);
        alreadySpent(feature, "chatbot", "2");
        BudgetEnforcer enforcer = enforcer(feature, department);

        BudgetDecision d = enforcer.reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(d.remainingUsd())
                .as("tightest, with the worst case reserved")
                .isEqualByComparingTo("7.50");
        assertThat(d.remainingAfter(null)).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("7.50"));
        BigDecimal predicted = d.remainingAfter(new BigDecimal("0.12")).orElseThrow();
        BigDecimal settled = enforcer.settle(d, new BigDecimal("0.12")).orElseThrow();
        assertThat(predicted).isEqualByComparingTo(settled).isEqualByComparingTo("7.88");
    }

    @Test
    void reserve_oneScopeCannotAfford_blocksAndGivesBackWhatTheOtherScopeReserved() {
        BudgetPolicy feature = policy("feature:chatbot", "1.00", BudgetPolicy.Mode.BLOCK);
        BudgetPolicy department = policy("department:engineering", "100", BudgetPolicy.Mode.BLOCK);
        alreadySpent(feature, "chatbot", "0.90");

        BudgetDecision d = enforcer(feature, department).reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(d.outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(d.allowed()).isFalse();
        assertThat(d.refusal().policy()).isEqualTo(feature);
        assertThat(d.refusal().reason()).isEqualTo("budget exceeded");
        assertThat(d.refusal().spentUsd()).isEqualByComparingTo("0.90");
        assertThat(d.refusal().periodEnd()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertItem(item(feature, "chatbot"), "0.90", "0");
        assertItem(item(department, "engineering"), "0", "0");
        assertThat(journal.open()).isEmpty();
    }

    @Test
    void reserve_degradeBudgetShort_forwardsToTheFirstCheaperModelThatFits() {
        BudgetPolicy feature = policy("feature:chatbot", "1.00", BudgetPolicy.Mode.DEGRADE);
        alreadySpent(feature, "chatbot", "0.70");

        BudgetDecision d = enforcer(feature)
                .reserve(
                        CALL,
                        "key_1",
                        "gpt-4o",
                        costs(Map.of("gpt-4o", "0.50", "gpt-4.1-mini", "0.31", "gpt-4o-mini", "0.05")),
                        m -> List.of("gpt-4.1-mini", "gpt-4o-mini"));

        assertThat(d.outcome()).isEqualTo(Outcome.DEGRADE);
        assertThat(d.model()).isEqualTo("gpt-4o-mini");
        assertThat(d.estimateUsd()).isEqualByComparingTo("0.05");
        assertItem(item(feature, "chatbot"), "0.70", "0.05");
    }

    @Test
    void reserve_blockBudgetShort_neverDegradesEvenWithAChain() {
        BudgetPolicy feature = policy("feature:chatbot", "1.00", BudgetPolicy.Mode.BLOCK);
        alreadySpent(feature, "chatbot", "0.70");

        BudgetDecision d = enforcer(feature)
                .reserve(
                        CALL,
                        "key_1",
                        "gpt-4o",
                        costs(Map.of("gpt-4o", "0.50", "gpt-4o-mini", "0.05")),
                        m -> List.of("gpt-4o-mini"));

        assertThat(d.outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(d.model()).isEqualTo("gpt-4o");
    }

    @Test
    void reserve_modelWithoutPrice_isBlockedBecauseNoBudgetCanBoundItsCost() {
        BudgetDecision d = enforcer(policy("feature:chatbot", "100", BudgetPolicy.Mode.BLOCK))
                .reserve(CALL, "key_1", "mystery-model", m -> Optional.empty(), NO_CHAIN);

        assertThat(d.outcome()).isEqualTo(Outcome.BLOCK);
        assertThat(d.refusal().reason()).contains("'mystery-model' has no price");
        assertThat(ledger.calls()).isZero();
    }

    @Test
    void settle_crossingThresholds_alertsOncePerThresholdAcrossInstances() {
        BudgetPolicy alertOnly = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.ALERT,
                List.of(50, 80),
                null,
                null);
        BudgetEnforcer first = enforcer(alertOnly);
        BudgetEnforcer second = enforcer(alertOnly); // another gateway instance, same marker

        first.settle(first.reserve(CALL, "key_1", "gpt-4o", costs("1"), NO_CHAIN), new BigDecimal("6.00"));
        second.settle(second.reserve(CALL, "key_1", "gpt-4o", costs("1"), NO_CHAIN), new BigDecimal("3.00"));
        first.settle(first.reserve(CALL, "key_1", "gpt-4o", costs("1"), NO_CHAIN), new BigDecimal("0.50"));
        BudgetDecision over = second.reserve(CALL, "key_1", "gpt-4o", costs("5"), NO_CHAIN);
        second.settle(over, new BigDecimal("5.00"));

        assertThat(over.outcome()).as("alert budgets never refuse").isEqualTo(Outcome.ALLOW);
        assertThat(alerts.alerts()).extracting(BudgetAlert::thresholdPercent).containsExactly(50, 80);
        assertThat(alerts.alerts().get(0).spentUsd()).isEqualByComparingTo("6.00");
        assertThat(alerts.alerts().get(1).spentUsd()).isEqualByComparingTo("9.00");
        assertItem(item(alertOnly, "chatbot"), "14.50", "0");
    }

    @Test
    void reserve_ledgerDown_failClosedBudgetRefusesAndFailOpenBudgetForwardsUnenforced() {
        BudgetPolicy closed = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetPolicy open = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                null,
                BudgetPolicy.OnStoreError.FAIL_OPEN,
                null);
        ledger.down(true);

        BudgetDecision refused = enforcer(closed).reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(refused.outcome()).isEqualTo(Outcome.STORE_ERROR);
        assertThat(refused.allowed()).isFalse();
        assertThat(journal.open())
                .as("a refused call leaves no open reservation")
                .isEmpty();

        BudgetDecision forwarded = enforcer(open).reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);

        assertThat(forwarded.outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(forwarded.unenforced()).isTrue();
        assertThat(forwarded.reservations()).singleElement().satisfies(r -> assertThat(r.reserved())
                .isZero());
    }

    private static ReservationJournal.Call named(String requestId, String model) {
        return new ReservationJournal.Call(
                requestId, NOW, "key_1", CALL, "openai", null, "chat.completions", model, model, true);
    }

    @Test
    void sweep_namedCallThatNeverSettled_chargesItsWorstCaseAfterItsRecordAndRefusesWhatNoLongerFits() {
        BudgetPolicy feature = policy("feature:chatbot", "1.00", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        gateway.reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        BudgetEnforcer sweeper = enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);
        List<ReservationJournal.OpenReservation> recorded = new ArrayList<>();

        assertThat(enforcer(feature).sweep(100, recorded::add).charged())
                .as("before the TTL")
                .isZero();
        BudgetEnforcer.Swept swept = sweeper.sweep(100, open -> {
            assertItem(item(feature, "chatbot"), "0", "0.50"); // the record comes before the charge
            recorded.add(open);
        });

        assertThat(swept).isEqualTo(new BudgetEnforcer.Swept(1, 0, 0, new BigDecimal("0.50")));
        assertItem(item(feature, "chatbot"), "0.50", "0");
        assertThat(recorded).singleElement().satisfies(open -> {
            assertThat(open.call()).isEqualTo(named("req-1", "gpt-4o"));
            assertThat(open.amount()).isEqualByComparingTo("0.50");
        });
        assertThat(sweeper.sweep(100, recorded::add)).isEqualTo(new BudgetEnforcer.Swept(0, 0, 0));
        // released, 0.60 would fit in 1.00; charged, it does not
        assertThat(gateway.reserve(named("req-2", "gpt-4o"), costs("0.60"), NO_CHAIN)
                        .outcome())
                .isEqualTo(Outcome.BLOCK);
    }

    @Test
    void settle_afterTheSweeperChargedTheWorstCase_addsNothingSoTheCallCountsOnce() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        BudgetDecision late = gateway.reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature).sweep(100, open -> {});

        Optional<BigDecimal> remaining = gateway.settle(late, new BigDecimal("0.12"));

        assertItem(item(feature, "chatbot"), "0.50", "0");
        assertThat(remaining).isEmpty();
    }

    @Test
    void settleKeepingEntry_processDiesBeforeTheRecordIsSaved_sweeperWritesTheRecordAndChargesNothing() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        BudgetDecision d = gateway.reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        List<Runnable> endWhenRecorded = new ArrayList<>();

        gateway.settle(d, new BigDecimal("0.12"), endWhenRecorded::add);

        // settled at once, the entry kept (marked) while the record is in memory only
        assertItem(item(feature, "chatbot"), "0.12", "0");
        assertThat(endWhenRecorded).hasSize(1);
        assertThat(journal.open()).singleElement().satisfies(o -> assertThat(o.settled())
                .isTrue());
        // the process dies here: the task never runs; the sweeper finds the entry after the TTL
        List<ReservationJournal.OpenReservation> recorded = new ArrayList<>();
        BudgetEnforcer sweeper = enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);
        BudgetEnforcer.Swept swept = sweeper.sweep(100, recorded::add);

        assertThat(swept).isEqualTo(new BudgetEnforcer.Swept(0, 0, 0, 0, BigDecimal.ZERO, 1));
        assertThat(recorded).singleElement().satisfies(open -> assertThat(open.call())
                .isEqualTo(named("req-1", "gpt-4o")));
        assertItem(item(feature, "chatbot"), "0.12", "0"); // the settlement counted once, no worst case on top
        assertThat(journal.open()).isEmpty();
        assertThat(sweeper.sweep(100, recorded::add)).isEqualTo(new BudgetEnforcer.Swept(0, 0, 0));
    }

    @Test
    void settleKeepingEntry_recordSaved_entryEndsAndTheSweeperFindsNothing() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        BudgetDecision d = gateway.reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        List<Runnable> endWhenRecorded = new ArrayList<>();
        gateway.settle(d, new BigDecimal("0.12"), endWhenRecorded::add);

        endWhenRecorded.forEach(Runnable::run);

        assertThat(journal.open()).isEmpty();
        List<ReservationJournal.OpenReservation> recorded = new ArrayList<>();
        assertThat(enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature)
                        .sweep(100, recorded::add))
                .isEqualTo(new BudgetEnforcer.Swept(0, 0, 0));
        assertThat(recorded).isEmpty();
        assertItem(item(feature, "chatbot"), "0.12", "0");
    }

    @Test
    void settleKeepingEntry_sweeperListedTheEntryBeforeTheSettlement_chargesNothingOnTop() {
        // the sweeper read the entry as unsettled, then the call settled (marking it) before the sweeper removed it
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        BudgetDecision d = gateway.reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        BudgetEnforcer sweeper = enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);

        BudgetEnforcer.Swept swept = sweeper.sweep(100, open -> gateway.settle(d, new BigDecimal("0.12"), end -> {}));

        assertThat(swept.charged()).isZero();
        assertItem(item(feature, "chatbot"), "0.12", "0");
    }

    @Test
    void sweep_recordCannotBeWritten_keepsTheEntryAndTheReservationForTheNextSweep() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        enforcer(feature).reserve(named("req-1", "gpt-4o"), costs("0.50"), NO_CHAIN);
        BudgetEnforcer sweeper = enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);

        BudgetEnforcer.Swept failed = sweeper.sweep(100, open -> {
            throw new IllegalStateException("usage store and spool down");
        });

        assertThat(failed).isEqualTo(new BudgetEnforcer.Swept(0, 0, 1));
        assertItem(item(feature, "chatbot"), "0", "0.50");
        assertThat(sweeper.sweep(100, open -> {})).isEqualTo(new BudgetEnforcer.Swept(1, 0, 0, new BigDecimal("0.50")));
        assertItem(item(feature, "chatbot"), "0.50", "0");
    }

    @Test
    void sweep_storeRefusesOneCallsCharge_chargesTheOthersAndThatCallOnceAtTheNextSweep() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        for (String id : List.of("req-1", "req-2", "req-3")) {
            gateway.reserve(named(id, "gpt-4o"), costs("0.50"), NO_CHAIN);
        }
        java.util.concurrent.atomic.AtomicInteger settles = new java.util.concurrent.atomic.AtomicInteger();
        BudgetLedger failingSecond = new BudgetLedger() {
            @Override
            public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
                return ledger.reserve(itemKey, limit, amount);
            }

            @Override
            public void release(String itemKey, BigDecimal reserved) {
                ledger.release(itemKey, reserved);
            }

            @Override
            public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
                if (settles.incrementAndGet() == 2) {
                    throw new IllegalStateException("the budget store refused the write");
                }
                return ledger.settle(itemKey, reserved, actual);
            }

            @Override
            public Optional<BudgetState> state(String itemKey) {
                return ledger.state(itemKey);
            }
        };
        BudgetEnforcer sweeper = enforcer(failingSecond, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);
        List<String> recorded = new ArrayList<>();

        BudgetEnforcer.Swept first =
                sweeper.sweep(100, open -> recorded.add(open.call().requestId()));

        // the third call was charged although the second failed; all three records written, all counted
        assertThat(first).isEqualTo(new BudgetEnforcer.Swept(3, 0, 0, 1, new BigDecimal("1.50")));
        assertItem(item(feature, "chatbot"), "1.00", "0.50");
        assertThat(journal.open()).singleElement().satisfies(rest -> assertThat(rest.id())
                .endsWith(BudgetEnforcer.REST_SUFFIX));

        BudgetEnforcer.Swept second =
                sweeper.sweep(100, open -> recorded.add(open.call().requestId()));

        assertThat(second).isEqualTo(new BudgetEnforcer.Swept(0, 0, 0, 0, BigDecimal.ZERO));
        assertThat(recorded).hasSize(3);
        assertItem(item(feature, "chatbot"), "1.50", "0");
        assertThat(journal.open()).isEmpty();
    }

    @Test
    void reserve_namedCallDegraded_journalNamesTheModelForwarded() {
        BudgetPolicy feature = policy("feature:chatbot", "1.00", BudgetPolicy.Mode.DEGRADE);
        alreadySpent(feature, "chatbot", "0.70");

        enforcer(feature)
                .reserve(
                        named("req-1", "gpt-4o"),
                        costs(Map.of("gpt-4o", "0.50", "gpt-4o-mini", "0.05")),
                        m -> List.of("gpt-4o-mini"));

        assertThat(journal.open()).singleElement().satisfies(open -> {
            assertThat(open.amount()).isEqualByComparingTo("0.05");
            assertThat(open.call().model()).isEqualTo("gpt-4o-mini");
            assertThat(open.call().modelRequested()).isEqualTo("gpt-4o");
        });
    }

    @Test
    void sweep_admissionOnlyReservationThatNeverSettled_releasesItOnceAfterTheTtl() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer gateway = enforcer(feature);
        BudgetDecision stuck = gateway.reserve(CALL, "key_1", "gpt-4o", costs("0.50"), NO_CHAIN);
        BudgetEnforcer sweeper = enforcer(ledger, Clock.offset(CLOCK, TTL.plusMinutes(1)), feature);

        assertThat(enforcer(feature).sweep(100)).as("before the TTL").isZero();
        assertThat(sweeper.sweep(100)).isEqualTo(1);
        assertThat(sweeper.sweep(100)).isZero();
        assertItem(item(feature, "chatbot"), "0", "0");

        // the call ends after all: its cost is added, the reservation is not given back a second time
        gateway.settle(stuck, new BigDecimal("0.40"));
        assertItem(item(feature, "chatbot"), "0.40", "0");
    }

    @Test
    void reserve_concurrentCallsOnARemoteLedger_neverAdmitMoreThanTheLimit() throws Exception {
        InMemoryBudgetLedger remote = InMemoryBudgetLedger.remote();
        BudgetPolicy feature = policy("feature:chatbot", "0.50", BudgetPolicy.Mode.BLOCK);
        BudgetPolicy department = policy("department:engineering", "100", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer enforcer = enforcer(remote, CLOCK, feature, department);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<BudgetDecision>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return enforcer.reserve(CALL, "key_1", "gpt-4o", costs("0.01"), NO_CHAIN);
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<BudgetDecision> f : calls) {
                BudgetDecision d = f.get();
                if (d.allowed()) {
                    admitted++;
                    enforcer.settle(d, new BigDecimal("0.01"));
                }
            }

            assertThat(admitted).isEqualTo(50);
            BudgetState chatbot = remote.state(feature.itemKey("chatbot", NOW)).orElseThrow();
            assertThat(chatbot.spent()).isEqualByComparingTo("0.50");
            assertThat(chatbot.reserved()).isEqualByComparingTo("0");
            BudgetState engineering =
                    remote.state(department.itemKey("engineering", NOW)).orElseThrow();
            assertThat(engineering.spent())
                    .as("refused calls gave their department reservation back")
                    .isEqualByComparingTo("0.50");
            assertThat(engineering.reserved()).isEqualByComparingTo("0");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A batch's results charged while the store is down: nothing counted, every item reported, so the caller does not
     * mark them done; charged again under the same id once the store is back: counted once, with its alert.
     */
    @Test
    void chargeOnce_storeDownThenBack_reportsTheItemsThenCountsTheCostOnce() {
        BudgetPolicy feature = policy("feature:chatbot", "10", BudgetPolicy.Mode.BLOCK);
        BudgetEnforcer enforcer = enforcer(feature);
        String itemKey = feature.itemKey("chatbot", NOW);
        List<BudgetDecision.Reservation> items =
                List.of(new BudgetDecision.Reservation(feature, "chatbot", itemKey, BigDecimal.ZERO));

        ledger.down(true);
        List<String> failed = enforcer.chargeOnce("batch#b-1#0a1b", items, new BigDecimal("6"));
        ledger.down(false);

        assertThat(failed).containsExactly(itemKey);
        assertItem(item(feature, "chatbot"), "0", "0");
        assertThat(enforcer.chargeOnce("batch#b-1#0a1b", items, new BigDecimal("6")))
                .isEmpty();
        assertItem(item(feature, "chatbot"), "6", "0");
        assertThat(alerts.alerts())
                .anySatisfy(a -> assertThat(a.thresholdPercent()).isEqualTo(50));
    }
}
