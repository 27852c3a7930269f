package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.BudgetStoreException;
import dev.spendgate.domain.budget.CachingBudgetPolicyStore;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The budget path against DynamoDB (dynalite) behind an endpoint that adds latency per request: what a call waits for
 * before it goes out, and what the sweeper does with entries of calls that crashed.
 */
class DynamoDbBudgetEnforcerIT {
    private static final Attribution CHATBOT = new Attribution("chatbot", null, null, "prod", null, null, null);
    private static final BigDecimal ESTIMATE = new BigDecimal("0.01");
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final String CHATBOT_ITEM = "budget#feature:chatbot#monthly#2026-12";

    LocalAwsEndpoint aws;
    DynamoDbClient dynamoDb;
    DynamoDbClient budgetWrites;
    String table;
    MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    DynamoDbBudgetLedger ledger;
    DynamoDbReservationJournal journal;
    BudgetEnforcer enforcer;

    @BeforeEach
    void setUp() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        aws = LocalAwsEndpoint.start(local.endpoint(), local.endpoint());
        dynamoDb = local.clientBuilder()
                .endpointOverride(URI.create(aws.endpoint()))
                // the SDK's standard retries (3 attempts, short backoff) keep the injected-failure cases quick
                .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.core.retry.RetryMode.STANDARD))
                .build();
        table = LocalDynamoDb.uniqueTableName("enforcer");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        DynamoDbBudgetPolicyStore policies = new DynamoDbBudgetPolicyStore(dynamoDb, table);
        policies.put(new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                List.of(),
                null,
                ZoneOffset.UTC));
        // the ledger and the journal on the client the gateway gives them: no resend of what DynamoDB may have applied
        budgetWrites = local.clientBuilder()
                .endpointOverride(URI.create(aws.endpoint()))
                .overrideConfiguration(o -> o.retryStrategy(AwsClients.retriesOnlyWhatWasNotApplied()))
                .build();
        ledger = new DynamoDbBudgetLedger(budgetWrites, table);
        journal = new DynamoDbReservationJournal(budgetWrites, table);
        CachingBudgetPolicyStore cached = new CachingBudgetPolicyStore(policies, Duration.ofHours(1), clock);
        cached.list();
        enforcer = new BudgetEnforcer(
                cached,
                ledger,
                new DynamoDbOnceMarker(dynamoDb, table),
                new AlertSink() {
                    @Override
                    public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}
                },
                journal,
                TTL,
                clock);
    }

    @AfterEach
    void tearDown() {
        enforcer.close();
        dynamoDb.close();
        budgetWrites.close();
        aws.close();
    }

    @Test
    void reserve_oneBudget_journalAndReservationInFlightTogether() {
        // the endpoint holds each request until two are in flight at once: a gateway that waited for the journal put's
        // answer before reserving (two round trips) never gets there, whatever the machine's load
        aws.holdUntilInFlight(2, Duration.ofSeconds(10));
        int before = aws.dynamoDbRequests().size();

        BudgetDecision decision = reserve();

        assertThat(decision.allowed()).isTrue();
        assertThat(aws.maxInFlight())
                .as("the journal put and the reservation in flight together")
                .isGreaterThanOrEqualTo(2);
        // those two were the call's first requests (the entry's confirmation follows, off the call's path)
        assertThat(aws.dynamoDbRequests().subList(before, before + 2))
                .extracting(r -> r.substring(0, r.indexOf(' ')))
                .containsExactlyInAnyOrder("PutItem", "UpdateItem");
    }

    @Test
    void sweep_entryWhoseReservationNeverHappened_releasesNothing() throws Exception {
        BudgetDecision admitted = reserve();
        String item = admitted.reservations().get(0).itemKey();
        awaitConfirmed(admitted.reservationId());
        // a gateway wrote its entry, then crashed before its reservation reached the ledger
        journal.open(new OpenReservation("crashed", List.of(item), new BigDecimal("5"), clock.instant(), false));
        clock.advance(TTL.plusMinutes(1));

        enforcer.sweep(10);

        assertThat(journal.expired(clock.instant(), 10))
                .extracting(OpenReservation::id)
                .doesNotContain("crashed");
        // the admitted call's own reservation (confirmed) was released; nothing more
        assertThat(ledger.state(item))
                .hasValueSatisfying(s -> assertThat(s.committed()).isEqualByComparingTo("0"));
    }

    @Test
    void sweep_confirmedEntryOfACrashedCall_releasesItsReservation() throws Exception {
        BudgetDecision admitted = reserve();
        String item = admitted.reservations().get(0).itemKey();
        awaitConfirmed(admitted.reservationId());
        assertThat(ledger.state(item).map(BudgetState::committed))
                .hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo(ESTIMATE));
        clock.advance(TTL.plusMinutes(1));

        int released = enforcer.sweep(10);

        assertThat(released).isEqualTo(1);
        assertThat(ledger.state(item))
                .hasValueSatisfying(s -> assertThat(s.committed()).isEqualByComparingTo("0"));
    }

    @Test
    void reserve_namedCall_entryNamesTheCallInTheSameSinglePutItem() {
        int before = aws.dynamoDbRequests().size();

        BudgetDecision decision = enforcer.reserve(call("req-1"), m -> Optional.of(ESTIMATE), m -> List.of());

        assertThat(decision.allowed()).isTrue();
        List<String> requests =
                aws.dynamoDbRequests().subList(before, aws.dynamoDbRequests().size());
        // one journal write (a retry would resend the same body), and it carries the call
        assertThat(requests.stream().filter(r -> r.startsWith("PutItem ")).distinct())
                .singleElement()
                .satisfies(put -> assertThat(put)
                        .contains("\"" + DynamoDbTables.BudgetsTable.RESERVATION_CALL + "\"")
                        .contains("req-1"));
        assertThat(requests).filteredOn(r -> !r.startsWith("PutItem ")).noneMatch(r -> r.contains("req-1"));
        assertThat(journal.expired(clock.instant().plus(TTL).plusSeconds(1), 10))
                .singleElement()
                .satisfies(open -> assertThat(open.call()).isEqualTo(call("req-1")));
    }

    @Test
    void sweep_confirmedEntryNamingItsCall_chargesTheWorstCaseAndALateSettlementAddsNothing() throws Exception {
        BudgetDecision crashed = enforcer.reserve(call("req-1"), m -> Optional.of(ESTIMATE), m -> List.of());
        String item = crashed.reservations().get(0).itemKey();
        awaitConfirmed(crashed.reservationId());
        clock.advance(TTL.plusMinutes(1));
        List<String> recorded = new java.util.ArrayList<>();

        BudgetEnforcer.Swept swept =
                enforcer.sweep(10, open -> recorded.add(open.call().requestId()));

        assertThat(swept.charged()).isEqualTo(1);
        assertThat(recorded).containsExactly("req-1");
        assertThat(ledger.state(item)).hasValueSatisfying(s -> {
            assertThat(s.spent()).isEqualByComparingTo(ESTIMATE);
            assertThat(s.reserved()).isEqualByComparingTo("0");
        });

        enforcer.settle(crashed, new BigDecimal("0.004")); // the call was only slow, and settles now

        assertThat(ledger.state(item)).hasValueSatisfying(s -> {
            assertThat(s.spent()).as("the worst case, counted once").isEqualByComparingTo(ESTIMATE);
            assertThat(s.committed()).isEqualByComparingTo(ESTIMATE);
        });
    }

    @Test
    void sweep_oneItemFailsMidway_laterItemsAndCallsChargedAndTheFailedItemOnceAtTheNextSweep() {
        List<String> items = List.of("budget#item-a", "budget#item-b", "budget#item-c");
        crashedCalls(items, "c1", "c2", "c3");
        // DynamoDB refuses c2's charge of item-b on every attempt
        aws.failDynamoDb(false, -1, "{\"S\":\"c2\"}", "{\"S\":\"budget#item-b\"}");
        List<String> recorded = new java.util.ArrayList<>();

        BudgetEnforcer.Swept first =
                enforcer.sweep(10, open -> recorded.add(open.call().requestId()));

        assertThat(first.charged()).isEqualTo(3);
        assertThat(first.failed()).isEqualTo(1);
        assertThat(first.chargedUsd()).isEqualByComparingTo("1.50");
        assertThat(recorded).containsExactly("req-c1", "req-c2", "req-c3");
        // c2's item-c (after the failed item) and c3 (after the failed call) were charged
        assertSpentAndReserved("budget#item-a", "1.50", "0");
        assertSpentAndReserved("budget#item-c", "1.50", "0");
        assertSpentAndReserved("budget#item-b", "1.00", "0.50");
        assertThat(journal.expired(clock.instant(), 10)).singleElement().satisfies(rest -> {
            assertThat(rest.id()).isEqualTo("c2" + BudgetEnforcer.REST_SUFFIX);
            assertThat(rest.itemKeys()).containsExactly("budget#item-b");
        });

        aws.clearFaults();
        BudgetEnforcer.Swept second =
                enforcer.sweep(10, open -> recorded.add(open.call().requestId()));

        assertThat(second.charged())
                .as("the call was counted at the first sweep")
                .isZero();
        assertThat(second.failed()).isZero();
        assertThat(recorded).as("its record was written once").hasSize(3);
        assertSpentAndReserved("budget#item-b", "1.50", "0");
        assertThat(journal.expired(clock.instant(), 10)).isEmpty();
    }

    @Test
    void sweep_itemAppliedButItsAnswerLost_chargedOnceAcrossRetriesAndSweeps() {
        List<String> items = List.of("budget#item-a", "budget#item-b");
        crashedCalls(items, "c1");
        // dynalite applies c1's charge of item-b, but every answer is lost: the SDK retries, then gives up
        aws.failDynamoDb(true, -1, "{\"S\":\"c1\"}", "{\"S\":\"budget#item-b\"}");

        BudgetEnforcer.Swept first = enforcer.sweep(10, open -> {});
        aws.clearFaults();
        BudgetEnforcer.Swept second = enforcer.sweep(10, open -> {});

        assertThat(first.failed()).isEqualTo(1);
        assertThat(second.failed()).isZero();
        assertThat(aws.dynamoDbRequests())
                .filteredOn(r -> r.contains("{\"S\":\"c1\"}") && r.contains("{\"S\":\"budget#item-b\"}"))
                .as("the charge of item-b was sent more than once")
                .hasSizeGreaterThan(1);
        assertSpentAndReserved("budget#item-b", "0.50", "0");
        assertSpentAndReserved("budget#item-a", "0.50", "0");
        assertThat(journal.expired(clock.instant(), 10)).isEmpty();
    }

    /**
     * The call reserves on feature:chatbot and is refused by environment:prod; DynamoDB refuses the release of the
     * chatbot reservation for throttling on every attempt (nothing applied). The item is left to the sweeper, which
     * gives the $2.00 back once the entry expires, instead of the amount staying reserved until the month ends.
     */
    @Test
    void refusedOnOneScope_releaseThrottledThroughout_sweeperGivesTheReservationBack() {
        BudgetEnforcer two = withProdLimitOfOneDollar();
        aws.throttleDynamoDb(-1, "#reserved :minus");

        BudgetDecision d =
                two.reserve(CHATBOT, "key-1", "gpt-4o", m -> Optional.of(new BigDecimal("2.00")), m -> List.of());
        aws.clearFaults();
        assertThat(ledger.state(CHATBOT_ITEM)).hasValueSatisfying(s -> assertThat(s.committed())
                .as("held until the sweeper runs")
                .isEqualByComparingTo("2.00"));
        clock.advance(TTL.plusMinutes(1));
        two.sweep(10, open -> {});
        two.close();

        assertThat(d.allowed()).isFalse();
        assertThat(ledger.state(CHATBOT_ITEM)).hasValueSatisfying(s -> assertThat(s.committed())
                .as("committed on feature:chatbot, a refused call's reservation after a sweep")
                .isEqualByComparingTo("0"));
    }

    /**
     * The release is applied but DynamoDB's answer is lost (a server error): it is not sent again, by the SDK or the
     * sweeper, since a second one would give the $2.00 back twice and the budget would admit $2.00 over its limit.
     */
    @Test
    void refusedOnOneScope_releaseAnswerLost_givenBackExactlyOnce() {
        aws.failDynamoDb(true, -1, "#reserved :minus");

        BudgetDecision d = refusedOnProdThenSweptAfterTheTtl();

        assertThat(d.allowed()).isFalse();
        assertThat(aws.dynamoDbRequests())
                .filteredOn(r -> r.contains("#reserved :minus"))
                .hasSize(1);
        assertThat(ledger.state(CHATBOT_ITEM)).hasValueSatisfying(s -> assertThat(s.committed())
                .as("committed on feature:chatbot: given back once, not twice (-2.00)")
                .isEqualByComparingTo("0"));
    }

    /**
     * The release is not applied and every answer is a server error: the outcome is unknown to the gateway, so the
     * $2.00 stays reserved (less budget until the period ends), never released a second time.
     */
    @Test
    void refusedOnOneScope_releaseOutcomeUnknown_amountStaysReserved() {
        aws.failDynamoDb(false, -1, "#reserved :minus");

        refusedOnProdThenSweptAfterTheTtl();

        assertThat(ledger.state(CHATBOT_ITEM))
                .hasValueSatisfying(s -> assertThat(s.committed()).isEqualByComparingTo("2.00"));
    }

    /**
     * The settlement is applied but its answer is lost: the SDK does not send the unconditional ADD again, so the
     * $2.00 worst case and the $0.10 cost are counted once (twice would leave committed at -1.80: $1.90 over the
     * limit admitted). The gateway sees the failure; the call's usage record keeps its cost.
     */
    @Test
    void settle_answerLost_countsTheCallOnce() {
        BudgetDecision d =
                enforcer.reserve(CHATBOT, "key-1", "gpt-4o", m -> Optional.of(new BigDecimal("2.00")), m -> List.of());
        assertThat(d.allowed()).isTrue();
        String item = d.reservations().get(0).itemKey();
        aws.failDynamoDb(true, 1, "#spent :actual");

        assertThatThrownBy(() -> enforcer.settle(d, new BigDecimal("0.10"))).isInstanceOf(BudgetStoreException.class);
        aws.clearFaults();

        assertThat(ledger.state(item)).hasValueSatisfying(s -> assertThat(s.committed())
                .as("committed on the $10 budget (what admission checks)")
                .isEqualByComparingTo("0.10"));
        assertSpentAndReserved(item, "0.10", "0");
    }

    /** The reservation is applied but its answer is lost: it is not sent again, so $2.00 is held once, not twice. */
    @Test
    void reserve_answerLost_heldOnce() {
        aws.failDynamoDb(true, 1, "if_not_exists(#reserved, :zero) + :amount");

        enforcer.reserve(call("req-1"), m -> Optional.of(new BigDecimal("2.00")), m -> List.of());
        aws.clearFaults();

        assertThat(aws.dynamoDbRequests())
                .filteredOn(r -> r.contains("if_not_exists(#reserved, :zero) + :amount"))
                .hasSize(1);
        assertThat(ledger.state(CHATBOT_ITEM))
                .hasValueSatisfying(s -> assertThat(s.reserved()).isEqualByComparingTo("2.00"));
    }

    /** A throttled reservation changed nothing: the client sends it again and the call goes ahead. */
    @Test
    void reserve_throttledOnce_sentAgainAndGranted() {
        aws.throttleDynamoDb(1, "if_not_exists(#reserved, :zero) + :amount");

        BudgetDecision d = enforcer.reserve(call("req-1"), m -> Optional.of(new BigDecimal("2.00")), m -> List.of());
        aws.clearFaults();

        assertThat(d.allowed()).isTrue();
        assertThat(ledger.state(CHATBOT_ITEM))
                .hasValueSatisfying(s -> assertThat(s.reserved()).isEqualByComparingTo("2.00"));
    }

    /**
     * A call reserving $2.00 on feature:chatbot and refused by environment:prod while the faults set up hold; then,
     * with them cleared, a sweep once its entry has expired.
     */
    private BudgetDecision refusedOnProdThenSweptAfterTheTtl() {
        BudgetEnforcer two = withProdLimitOfOneDollar();
        BudgetDecision d =
                two.reserve(CHATBOT, "key-1", "gpt-4o", m -> Optional.of(new BigDecimal("2.00")), m -> List.of());
        aws.clearFaults();
        clock.advance(TTL.plusMinutes(1));
        two.sweep(10, open -> {});
        two.close();
        return d;
    }

    private BudgetEnforcer withProdLimitOfOneDollar() {
        new DynamoDbBudgetPolicyStore(dynamoDb, table)
                .put(new BudgetPolicy(
                        BudgetScope.parse("environment:prod"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1.00"),
                        BudgetPolicy.Mode.BLOCK,
                        List.of(),
                        null,
                        ZoneOffset.UTC));
        return new BudgetEnforcer(
                new DynamoDbBudgetPolicyStore(dynamoDb, table),
                ledger,
                new DynamoDbOnceMarker(dynamoDb, table),
                new AlertSink() {
                    @Override
                    public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}
                },
                journal,
                TTL,
                clock);
    }

    /** Calls that reserved 0.50 on each of {@code items} and crashed: confirmed entries naming them, expired. */
    private void crashedCalls(List<String> items, String... ids) {
        for (String id : ids) {
            for (String item : items) {
                assertThat(ledger.reserve(item, new BigDecimal("100"), new BigDecimal("0.50"))
                                .granted())
                        .isTrue();
            }
            journal.open(
                    new OpenReservation(id, items, new BigDecimal("0.50"), clock.instant(), true, call("req-" + id)));
        }
        clock.advance(TTL.plusMinutes(1));
    }

    private void assertSpentAndReserved(String item, String spent, String reserved) {
        assertThat(ledger.state(item)).hasValueSatisfying(s -> {
            assertThat(s.spent()).as(item + " spent").isEqualByComparingTo(spent);
            assertThat(s.reserved()).as(item + " reserved").isEqualByComparingTo(reserved);
        });
    }

    private ReservationJournal.Call call(String requestId) {
        return new ReservationJournal.Call(
                requestId,
                clock.instant(),
                "key-1",
                CHATBOT,
                "openai",
                null,
                "chat.completions",
                "gpt-4o-mini",
                "gpt-4o-mini",
                true);
    }

    private BudgetDecision reserve() {
        return enforcer.reserve(CHATBOT, "key-1", "gpt-4o-mini", m -> Optional.of(ESTIMATE), m -> List.of());
    }

    private void awaitConfirmed(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                            .consistentRead(true)
                            .key(Map.of(
                                    DynamoDbTables.PARTITION_KEY,
                                    AttributeValue.fromS(DynamoDbTables.BudgetsTable.RESERVATION_ITEM_PREFIX + id))))
                    .item();
            AttributeValue confirmed = item.get(DynamoDbTables.BudgetsTable.RESERVATION_CONFIRMED);
            if (confirmed != null && Boolean.TRUE.equals(confirmed.bool())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("entry " + id + " was not confirmed within 10 s");
    }

    private static LocalAwsEndpoint.Operation only(List<LocalAwsEndpoint.Operation> ops, String action) {
        List<LocalAwsEndpoint.Operation> found =
                ops.stream().filter(o -> o.action().equals(action)).toList();
        assertThat(found).as(action + " among " + ops).hasSize(1);
        return found.get(0);
    }

    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
