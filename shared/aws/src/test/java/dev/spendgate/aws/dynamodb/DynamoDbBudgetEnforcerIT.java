package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
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

    LocalAwsEndpoint aws;
    DynamoDbClient dynamoDb;
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
        ledger = new DynamoDbBudgetLedger(dynamoDb, table);
        journal = new DynamoDbReservationJournal(dynamoDb, table);
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
        aws.close();
    }

    @Test
    void reserve_oneBudget_journalAndReservationInFlightTogether() {
        aws.latency(Duration.ofMillis(40));
        aws.resetOperations();

        BudgetDecision decision = reserve();

        assertThat(decision.allowed()).isTrue();
        List<LocalAwsEndpoint.Operation> ops = aws.operations();
        LocalAwsEndpoint.Operation put = only(ops, "PutItem");
        // the first update is the reservation (the entry's confirmation follows it, off the call's path)
        LocalAwsEndpoint.Operation update = ops.stream()
                .filter(o -> o.action().equals("UpdateItem"))
                .min(java.util.Comparator.comparingLong(LocalAwsEndpoint.Operation::startNanos))
                .orElseThrow();
        // each took at least the 40 ms added per request; one round trip means they overlapped
        assertThat(put.startNanos()).isLessThan(update.startNanos() + update.nanos());
        assertThat(update.startNanos()).isLessThan(put.startNanos() + put.nanos());
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
        aws.latency(Duration.ofMillis(40));
        aws.resetOperations();

        BudgetDecision decision = enforcer.reserve(call("req-1"), m -> Optional.of(ESTIMATE), m -> List.of());

        assertThat(decision.allowed()).isTrue();
        only(aws.operations(), "PutItem");
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
